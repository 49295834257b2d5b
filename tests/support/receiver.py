"""A webhook receiver on a free port: records every request, answers what the test queues."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.server import serve


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow CRM)
    hold: threading.Event | None = None  # when set, answers only once it is set (a hung CRM)


@dataclass
class Receiver:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: deque[Answer] = field(default_factory=deque)
    default: Answer = field(default_factory=Answer)
    lock: threading.Lock = field(default_factory=threading.Lock)
    answering: int = 0  # requests received and not yet answered
    most_at_once: int = 0  # the most there ever were

    def answer(self, *answers: Answer) -> None:
        """Queues answers for the next requests; after them, ``default`` answers."""
        self.answers.extend(answers)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        with self.lock:
            self.received.append(
                Received(
                    request.method,
                    request.url.path,
                    request.url.query,
                    dict(request.headers),
                    body,
                )
            )
            answer = self.answers.popleft() if self.answers else self.default
            self.answering += 1
            self.most_at_once = max(self.most_at_once, self.answering)
        try:
            if answer.delay:
                await asyncio.sleep(answer.delay)
            while answer.hold is not None and not answer.hold.is_set():
                await asyncio.sleep(0.01)
        finally:
            with self.lock:
                self.answering -= 1
        return Response(answer.body, status_code=answer.status, headers=answer.headers)


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    app = Starlette(routes=[Route("/{path:path}", receiver.handle, methods=methods)])
    with serve(app) as url:  # type: ignore[arg-type]
        receiver.url = url
        yield receiver
