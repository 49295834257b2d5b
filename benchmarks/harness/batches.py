"""A fixed list of HTTP/1.1 requests sent over a few keep-alive connections, each connection
taking the next request as soon as its previous answer is in (a closed loop, no pipelining).

The load generator in ``load.py`` sends one kind of request for a while; the telephony
benchmark needs each request once and in order (a call's ``started`` before its
``answered``), so it sends lists: every request of a list is answered before the next list
starts. Same raw asyncio protocols, so the sender costs the server as little CPU as possible.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from functools import partial
from typing import cast

from harness.load import HOST, take_response


@dataclass
class Sent:
    """What one list of requests saw."""

    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, every answer
    refused: list[bytes] = field(default_factory=list)  # the first non-2xx answers, for errors

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def succeeded(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)


def request_bytes(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Sender(asyncio.Protocol):
    def __init__(self, queue: deque[bytes], sent: Sent, finished: asyncio.Future[None]) -> None:
        self.queue = queue
        self.sent = sent
        self.finished = finished
        self.buffer = bytearray()
        self.request = b""
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.next()

    def next(self) -> None:
        assert self.transport is not None
        if not self.queue:
            self.transport.close()
            if not self.finished.done():
                self.finished.set_result(None)
            return
        self.request = self.queue.popleft()
        self.sent_at = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        whole = bytes(self.buffer)
        status = take_response(self.buffer)
        if status is None:
            return
        self.sent.latencies.append(time.perf_counter() - self.sent_at)
        self.sent.statuses[status] += 1
        if not 200 <= status < 300 and len(self.sent.refused) < 3:
            self.sent.refused.append(whole[:600])
        self.next()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished.done():
            self.finished.set_exception(RuntimeError(f"the server closed a connection: {exc}"))


async def send_all(port: int, requests: list[bytes], connections: int) -> Sent:
    loop = asyncio.get_running_loop()
    queue, sent = deque(requests), Sent()
    started = time.perf_counter()
    finished = []
    for _ in range(min(connections, len(requests))):
        future: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(partial(Sender, queue, sent, future), HOST, port)
        finished.append(future)
    await asyncio.gather(*finished)
    sent.seconds = time.perf_counter() - started
    return sent
