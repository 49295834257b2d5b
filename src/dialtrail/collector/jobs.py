"""What a collector request does on the writer thread (writer.py): check the project, then
write, alone or with its batch, and say what to answer.

Refusals (unknown key 404, foreign origin 403) are raised before anything of the request is
written, so the batch's shared transaction holds none of its data; a foreign origin leaves
only a note of the refusal (its host and time, at most once a minute per project, in a row
of its own) for the Installation page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError
from dialtrail.collector import batch, origins, store
from dialtrail.collector.answers import NO_CONTENT, Answer, page_view_answer
from dialtrail.collector.payloads import ErrorsEvent, PageViewEvent, PingEvent
from dialtrail.numbers import leasing
from dialtrail.numbers.gate import ANYONE, LeaseGate, Requester

# How long a project's key, domains and entities are reused without reading them again. A
# changed entity reaches the collector within this time (browsers cache the script longer).
PROJECT_CACHE_SECONDS = 2.0
REFUSAL_NOTE_SECONDS = 60.0


class RequestContext:
    def __init__(
        self, public_key: str, host: str | None, client: store.Client, now: datetime
    ) -> None:
        self.public_key = public_key
        self.host = host
        self.client = client
        self.now = now


class Jobs:
    """The writer thread's half of the collector (the only user of its project cache)."""

    def __init__(self, gate: LeaseGate = ANYONE) -> None:
        self.projects = ProjectCache(gate=gate)
        self.refusals = RefusalNotes()

    def plan(self, db: Session, event: BaseModel, context: RequestContext) -> Any:
        """In a batch: checked, then written with the batch's other events (write_plans)."""
        project = self.checked_project(db, context)
        if isinstance(event, PageViewEvent | PingEvent):
            return batch.Planned(project, event, context.client, context.now)
        return write(db, project, event, context)  # error reports: rare, written at once

    def write_alone(self, db: Session, event: BaseModel, context: RequestContext) -> Answer:
        """Alone: checked and written by itself (the writer's fallback after a failure)."""
        return write(db, self.checked_project(db, context), event, context)

    def checked_project(self, db: Session, context: RequestContext) -> store.ProjectContext:
        project = self.projects.get(db, context.public_key)
        if project is None:
            raise ApiError(404, "unknown_project", "no project has this key")
        if not origins.host_allowed(context.host, project.domains):
            if self.refusals.due(context.public_key):
                store.note_refusal(db, project.id, context.host, context.now)
            raise ApiError(403, "origin_not_allowed", origin_refusal(context.host))
        return project


def origin_refusal(host: str | None) -> str:
    if host is None:
        return (
            "the request has no Origin or Referer header, and this project accepts events "
            "only from its domains"
        )
    return f"{host} is not one of this project's domains"


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
) -> Answer | ApiError:
    if isinstance(plan.event, PageViewEvent):
        assert session_id is not None  # a page view always finds or starts its session
        return numbered_answer(connection, plan.project, session_id, plan.now, plan.client)
    if session_id is None:
        return unknown_session()
    return NO_CONTENT


def renew_pinged(
    connection: Connection, planned: list[batch.Planned], session_ids: list[int | None]
) -> None:
    renewals = [
        (plan.project.pool, session_id, plan.now)
        for plan, session_id in zip(planned, session_ids, strict=True)
        if isinstance(plan.event, PingEvent) and plan.project.pool and session_id is not None
    ]
    leasing.renew_all(connection, renewals)


def numbered_answer(
    connection: Connection,
    project: store.ProjectContext,
    session_id: int,
    now: datetime,
    client: store.Client,
) -> Answer:
    if project.pool is None:
        return page_view_answer(None)
    requester = Requester(client.ip, client.user_agent)
    number = leasing.number_for_page_view(connection, project.pool, session_id, now, requester)
    return page_view_answer(number)


def unknown_session() -> ApiError:
    return ApiError(404, "unknown_session", "no page view of this session was recorded")


def write(
    db: Session, project: store.ProjectContext, event: BaseModel, context: RequestContext
) -> Answer:
    if isinstance(event, PageViewEvent):
        session_id = store.record_page_view(db, project, event, context.client, context.now)
        return numbered_answer(db.connection(), project, session_id, context.now, context.client)
    if isinstance(event, PingEvent):
        pinged = store.record_ping(db, project, event, context.now)
        if pinged is None:
            raise unknown_session()
        if project.pool is not None:
            leasing.renew_all(db.connection(), [(project.pool, pinged, context.now)])
        return NO_CONTENT
    assert isinstance(event, ErrorsEvent)
    store.record_errors(db, project, event, context.now)
    return NO_CONTENT


class RefusalNotes:
    """When each project's refusals were last written: at most once a minute per project, so
    a site sending from a wrong domain costs the database next to nothing."""

    def __init__(
        self, every: float = REFUSAL_NOTE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every = every
        self.clock = clock
        self.written: dict[str, float] = {}

    def due(self, public_key: str) -> bool:
        """Best effort: a note lost with a batch that fails is written at the next refusal a
        minute later."""
        now = self.clock()
        if now - self.written.get(public_key, -self.every) < self.every:
            return False
        if len(self.written) > 10_000:  # bounded, as the project cache
            self.written.clear()
        self.written[public_key] = now
        return True


class ProjectCache:
    """Projects by public key, read at most every PROJECT_CACHE_SECONDS (unknown keys too)."""

    def __init__(self, ttl: float = PROJECT_CACHE_SECONDS, gate: LeaseGate = ANYONE) -> None:
        self.ttl = ttl
        self.gate = gate
        self.entries: dict[str, tuple[float, store.ProjectContext | None]] = {}

    def get(self, db: Session, public_key: str) -> store.ProjectContext | None:
        now = time.monotonic()
        cached = self.entries.get(public_key)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        if len(self.entries) > 10_000:  # bounded, even under a flood of made-up keys
            self.entries.clear()
        project = store.load_project(db, public_key, self.gate)
        self.entries[public_key] = (now, project)
        return project
