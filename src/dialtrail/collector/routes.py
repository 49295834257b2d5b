"""``POST /c/{public_key}/pageview|ping|errors``: the collector's HTTP edge.

Lean on purpose (plain Starlette routes, no dependency injection): this is the hot path. The
order of checks is cheapest first: rate limit, body (size is capped by middleware), shape,
then the database (unknown key 404, foreign origin 403), and the commit before the answer.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dialtrail.api.errors import ApiError, FieldProblem, from_pydantic_errors
from dialtrail.collector import batch, origins, sources, store
from dialtrail.collector.payloads import ErrorsEvent, PageViewEvent, PingEvent
from dialtrail.collector.ratelimit import RateLimiter
from dialtrail.collector.writer import GroupWriter
from dialtrail.numbers import leasing

logger = logging.getLogger(__name__)
BODY_LIMIT = 8 * 1024
# How long a project's key, domains and entities are reused without reading them again. A
# changed entity reaches the collector within this time (browsers cache the script longer).
PROJECT_CACHE_SECONDS = 2.0
EVENTS: dict[str, type[BaseModel]] = {
    "pageview": PageViewEvent,
    "ping": PingEvent,
    "errors": ErrorsEvent,
}


class Collector:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        limiter: RateLimiter,
        clock: Callable[[], datetime],
    ) -> None:
        self.writer = GroupWriter(sessions, write_plans=write_plans)
        self.projects = ProjectCache()  # used by the writer thread only
        self.limiter = limiter
        self.clock = clock

    def routes(self) -> list[Route]:
        # Mounted before the API's routes (app.py): the hot path should not be matched
        # against every API path first.
        return [
            Route("/c/{public_key}/{kind}", self.receive, methods=["POST"]),
            Route("/c/{public_key}/{kind}", self.preflight, methods=["OPTIONS"]),
        ]

    async def receive(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        try:
            answer = await self.handle(request)
        except ApiError as error:
            answer = json_response(error.to_json(), error.status, error.headers)
        except Exception:  # the batch could not be committed: nothing was acknowledged
            logger.exception("collector write failed")
            message = "the event could not be stored; send it again"
            answer = json_response({"error": "unavailable", "message": message}, 503)
        return with_cors(answer, origin)

    async def handle(self, request: Request) -> Response:
        address = request.client.host if request.client else ""
        if not self.limiter.allow(address):
            raise ApiError(
                429,
                "rate_limited",
                "too many events from this address; slow down",
                headers={"Retry-After": str(self.limiter.retry_after())},
            )
        event = parse_event(request.path_params["kind"], await request.body())
        context = RequestContext(
            public_key=request.path_params["public_key"],
            host=origins.request_host(
                request.headers.get("origin"), request.headers.get("referer")
            ),
            client=store.Client(address, request.headers.get("user-agent", "")),
            now=self.clock(),
        )
        answer: Response = await self.writer.run(
            lambda db: self.plan(db, event, context),
            alone=lambda db: self.write_alone(db, event, context),
        )
        return answer

    def plan(self, db: Session, event: BaseModel, context: RequestContext) -> Any:
        """In a batch: checked, then written with the batch's other events (write_plans)."""
        project = self.checked_project(db, context)
        if isinstance(event, PageViewEvent | PingEvent):
            return batch.Planned(project, event, context.client, context.now)
        return write(db, project, event, context)  # error reports: rare, written at once

    def write_alone(self, db: Session, event: BaseModel, context: RequestContext) -> Response:
        """Alone: checked and written by itself (the writer's fallback after a failure)."""
        return write(db, self.checked_project(db, context), event, context)

    def checked_project(self, db: Session, context: RequestContext) -> store.ProjectContext:
        project = self.projects.get(db, context.public_key)
        if project is None:
            raise ApiError(404, "unknown_project", "no project has this key")
        if not origins.host_allowed(context.host, project.domains):
            raise ApiError(403, "origin_not_allowed", origin_refusal(context.host))
        return project

    async def preflight(self, request: Request) -> Response:
        # Not needed by our script (text/plain needs no preflight), but a site that posts
        # JSON itself gets a proper answer instead of a failed request.
        answer = Response(status_code=204)
        answer.headers["Access-Control-Allow-Methods"] = "POST"
        answer.headers["Access-Control-Allow-Headers"] = "Content-Type"
        answer.headers["Access-Control-Max-Age"] = "86400"
        return with_cors(answer, request.headers.get("origin"))


class RequestContext:
    def __init__(
        self, public_key: str, host: str | None, client: store.Client, now: datetime
    ) -> None:
        self.public_key = public_key
        self.host = host
        self.client = client
        self.now = now


def origin_refusal(host: str | None) -> str:
    if host is None:
        return (
            "the request has no Origin or Referer header, and this project accepts events "
            "only from its domains"
        )
    return f"{host} is not one of this project's domains"


def parse_event(kind: str, body: bytes) -> BaseModel:
    model = EVENTS.get(kind)
    if model is None:
        raise ApiError(404, "not_found", f"unknown event {kind!r}; expected {', '.join(EVENTS)}")
    try:
        event = model.model_validate_json(body)
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


def write_plans(db: Session, outcomes: list[Any]) -> list[Any]:
    planned = [outcome for outcome in outcomes if isinstance(outcome, batch.Planned)]
    if not planned:
        return outcomes
    connection = db.connection()
    session_ids = batch.record_batch(connection, planned)
    # Leases after the writes, in arrival order: the batch's first page view of a new session
    # takes its number, later ones renew it.
    answers = iter([answer(connection, *pair) for pair in zip(planned, session_ids, strict=True)])
    renew_pinged(connection, planned, session_ids)
    return [
        next(answers) if isinstance(outcome, batch.Planned) else outcome for outcome in outcomes
    ]


def answer(
    connection: Connection, plan: batch.Planned, session_id: int | None
) -> Response | ApiError:
    if isinstance(plan.event, PageViewEvent):
        assert session_id is not None  # a page view always finds or starts its session
        return page_view_answer(connection, plan.project, session_id, plan.now)
    if session_id is None:
        return unknown_session()
    return Response(status_code=204)


def renew_pinged(
    connection: Connection, planned: list[batch.Planned], session_ids: list[int | None]
) -> None:
    renewals = [
        (plan.project.pool, session_id, plan.now)
        for plan, session_id in zip(planned, session_ids, strict=True)
        if isinstance(plan.event, PingEvent) and plan.project.pool and session_id is not None
    ]
    leasing.renew_all(connection, renewals)


def page_view_answer(
    connection: Connection, project: store.ProjectContext, session_id: int, now: datetime
) -> Response:
    number = None
    if project.pool is not None:
        number = leasing.number_for_page_view(connection, project.pool, session_id, now)
    return json_response({"number": number}, 200)


def unknown_session() -> ApiError:
    return ApiError(404, "unknown_session", "no page view of this session was recorded")


def write(
    db: Session, project: store.ProjectContext, event: BaseModel, context: RequestContext
) -> Response:
    if isinstance(event, PageViewEvent):
        session_id = store.record_page_view(db, project, event, context.client, context.now)
        return page_view_answer(db.connection(), project, session_id, context.now)
    if isinstance(event, PingEvent):
        pinged = store.record_ping(db, project, event, context.now)
        if pinged is None:
            raise unknown_session()
        if project.pool is not None:
            leasing.renew_all(db.connection(), [(project.pool, pinged, context.now)])
        return Response(status_code=204)
    assert isinstance(event, ErrorsEvent)
    store.record_errors(db, project, event, context.now)
    return Response(status_code=204)


def json_response(body: dict[str, Any], status: int, headers: Any = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type="application/json",
        headers=dict(headers or {}),
    )


def with_cors(answer: Response, origin: str | None) -> Response:
    # The page view's answer (the session's phone number) is read by the site's origin.
    # Sessions are cookie-less on this host, so no credentials are allowed.
    if origin:
        answer.headers["Access-Control-Allow-Origin"] = origin
        answer.headers["Vary"] = "Origin"
    return answer


class ProjectCache:
    """Projects by public key, read at most every PROJECT_CACHE_SECONDS (unknown keys too)."""

    def __init__(self, ttl: float = PROJECT_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self.entries: dict[str, tuple[float, store.ProjectContext | None]] = {}

    def get(self, db: Session, public_key: str) -> store.ProjectContext | None:
        now = time.monotonic()
        cached = self.entries.get(public_key)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        if len(self.entries) > 10_000:  # bounded, even under a flood of made-up keys
            self.entries.clear()
        project = store.load_project(db, public_key)
        self.entries[public_key] = (now, project)
        return project
