"""A closed-loop HTTP/1.1 load generator over raw keep-alive connections.

Each connection sends one request, waits for the whole answer, records it and sends the next
one at once (no pipelining), so the server sees exactly ``connections`` requests in flight.
It is built on asyncio protocols rather than streams (or an HTTP client library) because on a
two-core machine the generator shares the CPU with the server: every microsecond it spends per
request is one the server does not get, and a slow generator would cap the fast endpoint and
flatter the ratio. uvloop is used when installed.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import cast

HOST = "127.0.0.1"
GRACE_SECONDS = 30.0  # how long a slice may overrun its end before it is abandoned


@dataclass
class Tally:
    """What one slice of load saw. Only answers completed inside the measured window count
    towards throughput and latency; every 2xx counts as acknowledged."""

    measured_seconds: float = 0.0
    answered: int = 0  # every answer, warm-up and overrun included (for CPU per request)
    succeeded: int = 0  # 2xx inside the window
    failed: int = 0  # non-2xx inside the window
    acknowledged: int = 0  # every 2xx answer, warm-up included
    lost_connections: int = 0  # connections that closed with a request unanswered
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, 2xx inside the window


@dataclass
class Job:
    """``seconds`` of load on ``path``; the first ``warmup`` seconds are not measured."""

    path: str
    make_body: Callable[[], bytes]
    seconds: float
    warmup: float = 0.0
    tally: Tally = field(default_factory=Tally)
    pace: float = 0.0  # seconds from one request's start to the next on a connection; 0: none
    count_from: float = 0.0
    stop_at: float = 0.0

    def start(self) -> None:
        now = time.perf_counter()
        self.count_from = now + self.warmup
        self.stop_at = now + self.warmup + self.seconds
        self.tally.measured_seconds = self.seconds

    def request(self, host_header: bytes) -> bytes:
        body = self.make_body()
        head = (
            b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain;charset=UTF-8\r\n"
            b"Origin: https://shop.example.com\r\nUser-Agent: dialtrail-benchmark\r\n"
            b"Content-Length: %d\r\n\r\n"
        ) % (self.path.encode(), host_header, len(body))
        return head + body

    def record(self, status: int, sent_at: float, answered_at: float) -> None:
        tally = self.tally
        tally.answered += 1
        ok = 200 <= status < 300
        tally.acknowledged += ok
        if answered_at < self.count_from or answered_at > self.stop_at:
            return
        tally.statuses[status] += 1
        if ok:
            tally.succeeded += 1
            tally.latencies.append(answered_at - sent_at)
        else:
            tally.failed += 1


class Connection(asyncio.Protocol):
    def __init__(self, job: Job, host_header: bytes, finished: asyncio.Future[None]) -> None:
        self.job = job
        self.host_header = host_header
        self.finished = finished
        self.buffer = bytearray()
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        self.transport = cast(asyncio.Transport, transport)
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.sent_at = time.perf_counter()
        self.transport.write(self.job.request(self.host_header))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        status = take_response(self.buffer)
        if status is None:
            return
        answered_at = time.perf_counter()
        self.job.record(status, self.sent_at, answered_at)
        if answered_at >= self.job.stop_at:
            self.finish()
        elif self.job.pace:  # an offered rate: the next request when its time comes
            delay = max(0.0, self.sent_at + self.job.pace - answered_at)
            asyncio.get_running_loop().call_later(delay, self.send)
        else:
            self.send()

    def finish(self) -> None:
        if self.transport is not None:
            self.transport.close()
        if not self.finished.done():
            self.finished.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished.done():
            self.job.tally.lost_connections += 1
            self.finished.set_result(None)


def take_response(buffer: bytearray) -> int | None:
    """The status of the complete response at the start of ``buffer`` (removed from it), or
    None while it is incomplete. Answers must carry Content-Length (ours all do)."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = bytes(buffer[:head_end]).lower()
    length = 0
    marker = head.find(b"\r\ncontent-length:")
    if marker >= 0:
        value_end = head.find(b"\r\n", marker + 2)
        length = int(head[marker + 17 : value_end if value_end >= 0 else None])
    elif b"\r\ntransfer-encoding:" in head:
        raise RuntimeError("chunked answers are not supported by the load generator")
    total = head_end + 4 + length
    if len(buffer) < total:
        return None
    status = int(buffer[9:12])
    del buffer[:total]
    return status


async def run_job(port: int, job: Job, connections: int) -> Tally:
    loop = asyncio.get_running_loop()
    host_header = f"{HOST}:{port}".encode()
    finished: list[asyncio.Future[None]] = [loop.create_future() for _ in range(connections)]
    job.start()
    protocols = []
    for future in finished:
        factory = partial(Connection, job, host_header, future)
        _, protocol = await loop.create_connection(factory, HOST, port)
        protocols.append(protocol)
    timeout = job.stop_at - time.perf_counter() + GRACE_SECONDS
    try:
        await asyncio.wait_for(asyncio.gather(*finished), timeout)
    except TimeoutError:
        for protocol in protocols:
            if not protocol.finished.done():
                job.tally.lost_connections += 1
            protocol.finish()
    return job.tally


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop
