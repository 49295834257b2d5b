"""``POST /c/{public_key}/pageview|ping|errors``: the collector's HTTP edge.

A raw ASGI endpoint, answered before FastAPI and its middleware see the request (app.py):
this is the hot path, and the framework's routing, middleware and request objects cost several
times what the endpoint itself does. So it does their part here: the 8 KB body cap (413), the
CORS echo, and the project's one error shape. The order of checks is cheapest first: body
size as declared, rate limit, body, shape, then the database on the writer thread (unknown
key 404, foreign origin 403), the journal row (jobs.py), and the commit before the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Receive, Scope, Send

from dialtrail.api.errors import ApiError, FieldProblem, from_pydantic_errors
from dialtrail.collector import jobs, origins, sources, store
from dialtrail.collector.answers import PREFLIGHT, UNAVAILABLE, Answer, json_answer, refusal
from dialtrail.collector.payloads import ErrorsEvent, PageViewEvent, PingEvent, parse, storable
from dialtrail.collector.ratelimit import RateLimiter
from dialtrail.collector.writer import GroupWriter, Turns
from dialtrail.numbers.gate import ANYONE, LeaseGate

logger = logging.getLogger(__name__)
PREFIX = "/c/"
BODY_LIMIT = 8 * 1024
EVENTS: dict[str, type[BaseModel]] = {
    "pageview": PageViewEvent,
    "ping": PingEvent,
    "errors": ErrorsEvent,
}
WANTED_HEADERS = frozenset((b"origin", b"referer", b"user-agent", b"content-length"))
TOO_LARGE = json_answer(
    {"error": "body_too_large", "message": f"the request body is larger than {BODY_LIMIT} bytes"},
    413,
)
NOT_ALLOWED = json_answer(
    {"error": "method_not_allowed", "message": "Method Not Allowed"},
    405,
    {"Allow": "POST, OPTIONS"},
)


class ClientGone(Exception):
    """The client disconnected before its body arrived: nobody is left to answer."""


def is_collector_path(path: str) -> bool:
    """``/c/{public_key}/{kind}``, each part non-empty and without a slash (as a Starlette
    route would match it); any other path under ``/c/`` is FastAPI's to answer (404)."""
    if not path.startswith(PREFIX):
        return False
    key, slash, kind = path[len(PREFIX) :].partition("/")
    return bool(key and slash and kind) and "/" not in kind


class Collector:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        limiter: RateLimiter,
        clock: Callable[[], datetime],
        gate: LeaseGate = ANYONE,
        wake: Callable[[], None] = lambda: None,
        privacy_secret: bytes = b"",
        turns: Turns | None = None,
    ) -> None:
        """``wake``: told after each commit (the deriver, to derive what was appended);
        ``privacy_secret``: what the projects' hashing keys derive from (secrets.py);
        ``turns``: shared with the deriver of this process (writer.Turns)."""
        self.jobs = jobs.Jobs(gate, wake, privacy_secret)
        self.writer = GroupWriter(
            sessions, write_plans=self.jobs.write_plans, committed=self.jobs.committed, turns=turns
        )
        self.limiter = limiter
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {name: value for name, value in scope["headers"] if name in WANTED_HEADERS}
        try:
            answer = await self.answer(scope, receive, headers)
        except ClientGone:
            return
        await answer.send(send, headers.get(b"origin"))

    async def answer(self, scope: Scope, receive: Receive, headers: dict[bytes, bytes]) -> Answer:
        method = scope["method"]
        if method == "OPTIONS":
            # Not needed by our script (text/plain needs no preflight), but a site that posts
            # JSON itself gets a proper answer instead of a failed request.
            return PREFLIGHT
        if method != "POST":
            return NOT_ALLOWED
        try:
            return await self.receive(scope, receive, headers)
        except ApiError as error:
            return refusal(error)
        except ClientGone:
            raise
        except Exception:  # the batch could not be committed: nothing was acknowledged
            logger.exception("collector write failed")
            return UNAVAILABLE

    async def receive(self, scope: Scope, receive: Receive, headers: dict[bytes, bytes]) -> Answer:
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > BODY_LIMIT:
            return TOO_LARGE
        client = scope.get("client")
        address = client[0] if client else ""
        if not self.limiter.allow(address):
            raise rate_limited(self.limiter)
        body = await read_body(receive)
        if body is None:
            return TOO_LARGE
        public_key, _, kind = scope["path"][len(PREFIX) :].partition("/")
        event = parse_event(kind, body)
        context = request_context(public_key, address, headers, self.clock())
        answer: Answer = await self.writer.run(
            lambda db: self.jobs.plan(db, event, context),
            alone=lambda db: self.jobs.write_alone(db, event, context),
        )
        return answer


def rate_limited(limiter: RateLimiter) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        "too many events from this address; slow down",
        headers={"Retry-After": str(limiter.retry_after())},
    )


async def read_body(receive: Receive) -> bytes | None:
    """The whole body, or None once it grows past BODY_LIMIT (a body sent without, or with a
    false, Content-Length is counted as it streams)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > BODY_LIMIT:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def request_context(
    public_key: str, address: str, headers: dict[bytes, bytes], now: datetime
) -> jobs.RequestContext:
    origin, referer = headers.get(b"origin"), headers.get(b"referer")
    host = origins.request_host(
        origin.decode("latin-1") if origin is not None else None,
        referer.decode("latin-1") if referer is not None else None,
    )
    user_agent = storable(headers.get(b"user-agent", b"").decode("latin-1"))
    return jobs.RequestContext(public_key, host, store.Client(address, user_agent), now)


def parse_event(kind: str, body: bytes) -> BaseModel:
    model = EVENTS.get(kind)
    if model is None:
        raise ApiError(404, "not_found", f"unknown event {kind!r}; expected {', '.join(EVENTS)}")
    try:
        event = parse(model, body)
    except ValidationError as error:
        raise from_pydantic_errors(error.errors(include_url=False)) from None
    if isinstance(event, PageViewEvent) and not sources.is_http_url(event.url):
        raise ApiError(
            422,
            "validation_failed",
            "url: expected an http(s) URL",
            [FieldProblem("url", "expected an http(s) URL")],
        )
    return event
