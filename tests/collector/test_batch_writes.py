"""A batch written set-based leaves exactly what its events leave written one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialtrail.collector import batch, store
from dialtrail.collector.payloads import PageViewEvent, PingEvent
from dialtrail.entities.models import TrackingEntity
from dialtrail.projects.models import Project
from dialtrail.sessions.models import (
    EntityObservation,
    PageView,
    SessionValue,
    Visitor,
    WebSession,
)
from tests.support.collector import client_id
from tests.support.databases import Database

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CLIENT = store.Client("203.0.113.7", "Test browser")
ENTITIES = [("last", "session", "last"), ("first", "session", "first"), ("page", "page_view", "")]
VISITOR, OLD, NEW, LATE = client_id(), client_id(), client_id(), client_id()
PAGES = {name: client_id() for name in ("old1", "old2", "new1", "new2", "late1")}
GA = {"a": "GA1.1.111111111.1700000000", "b": "GA1.1.222222222.1700000001"}


def page_view(session: str, page: str, values: dict[str, Any], **extra: Any) -> PageViewEvent:
    return PageViewEvent(
        visitor=VISITOR,
        session=session,
        page_view=PAGES[page],
        url=f"https://shop.example.com/{page}?utm_source=news",
        values=values,
        **extra,
    )


def ping(session: str, page: str, values: dict[str, Any], **extra: Any) -> PingEvent:
    return PingEvent(
        visitor=VISITOR, session=session, page_view=PAGES[page], values=values, **extra
    )


# Before the batch: a session with two pages, the newer one's page-scope value set.
PRELUDE: list[PageViewEvent | PingEvent] = [
    page_view(OLD, "old1", {"last": "a", "first": "a", "page": "p1"}, new_session=True),
    page_view(OLD, "old2", {"page": "p2"}),
]
BATCH: list[PageViewEvent | PingEvent] = [
    ping(NEW, "new1", {"last": "too early"}),  # its session starts later in the batch: 404
    ping(OLD, "old1", {"page": "older page", "last": "b"}, ga=GA["a"]),  # must not win
    page_view(NEW, "new1", {"last": "x", "first": "x", "page": "n1"}, new_session=True),
    ping(NEW, "new2", {"page": "before its page"}),  # its page view comes later
    page_view(NEW, "new1", {"last": "repeat"}),  # the same page view again
    page_view(NEW, "new2", {"last": "  ", "first": "y", "page": None}, ga=GA["b"]),
    ping(NEW, "new2", {"last": "y1", "page": "n2"}),
    ping(NEW, "new2", {"last": "y2", "unknown": "ignored", "first": "z"}),
    ping(OLD, "old2", {"last": "c" * 1200, "page": "p2b"}, truncated=["page"]),
    ping(OLD, "old2", {"last": None, "first": ""}, ga=GA["b"]),
    ping(OLD, "old1", {"page": "older again"}),  # after the newer page's: must not win either
    page_view(LATE, "late1", {"last": "l"}),  # a new session the script thought it knew
    ping(LATE, "late1", {"last": "l2"}, ga=GA["a"]),
]


def test_a_batch_leaves_what_its_events_leave_one_by_one(database: Database) -> None:
    one_by_one, together = new_project(database), new_project(database)
    for project in (one_by_one, together):
        run_alone(database, project, PRELUDE, START)
    expected = run_alone(database, one_by_one, BATCH, START + timedelta(minutes=1))
    with database.session() as db:
        sessions = batch.record_batch(
            db.connection(), planned(together, BATCH, START + timedelta(minutes=1))
        )
        db.commit()
    outcomes = [session is not None for session in sessions]
    assert outcomes == expected
    assert outcomes[0] is False
    assert contents(database, together.id) == contents(database, one_by_one.id)


def new_project(database: Database) -> store.ProjectContext:
    with database.session() as db:
        project = Project(name="Batch", public_key=client_id())
        db.add(project)
        db.flush()
        for name, scope, keep in ENTITIES:
            db.add(
                TrackingEntity(
                    project_id=project.id,
                    name=name,
                    type="expression",
                    scope=scope,
                    keep=keep or "last",
                    value='query("x")',
                )
            )
        db.commit()
        loaded = store.load_project(db, project.public_key)
    assert loaded is not None
    return loaded


def planned(
    project: store.ProjectContext, events: list[PageViewEvent | PingEvent], start: datetime
) -> list[batch.Planned]:
    return [
        batch.Planned(project, event, CLIENT, start + timedelta(seconds=second))
        for second, event in enumerate(events)
    ]


def run_alone(
    database: Database,
    project: store.ProjectContext,
    events: list[PageViewEvent | PingEvent],
    start: datetime,
) -> list[bool]:
    outcomes = []
    for plan in planned(project, events, start):
        with database.session() as db:
            outcomes.append(record(db, plan))
            db.commit()
    return outcomes


def record(db: Session, plan: batch.Planned) -> bool:
    if isinstance(plan.event, PageViewEvent):
        store.record_page_view(db, plan.project, plan.event, plan.client, plan.now)
        return True
    return store.record_ping(db, plan.project, plan.event, plan.now) is not None


def contents(database: Database, project_id: int) -> dict[str, Any]:
    """Everything the collector wrote for a project, by keys and names rather than ids."""
    with database.session() as db:
        sessions = {
            row.id: row
            for row in db.scalars(select(WebSession).where(WebSession.project_id == project_id))
        }
        pages = {
            row.id: row.key
            for row in db.scalars(select(PageView).where(PageView.session_id.in_(sessions)))
        }
        names = {
            row.id: row.name
            for row in db.scalars(
                select(TrackingEntity).where(TrackingEntity.project_id == project_id)
            )
        }
        return {
            "visitors": sorted(
                (row.key, row.first_seen_at, row.last_seen_at)
                for row in db.scalars(select(Visitor).where(Visitor.project_id == project_id))
            ),
            "sessions": sorted(session_fields(row) for row in sessions.values()),
            "page_views": sorted(
                (sessions[row.session_id].key, row.key, row.url, row.viewed_at)
                for row in db.scalars(select(PageView).where(PageView.id.in_(pages)))
            ),
            "observations": sorted(
                value_fields(row, sessions, pages, names)
                for row in db.scalars(
                    select(EntityObservation).where(EntityObservation.session_id.in_(sessions))
                )
            ),
            "values": sorted(
                value_fields(row, sessions, pages, names)
                for row in db.scalars(
                    select(SessionValue).where(SessionValue.session_id.in_(sessions))
                )
            ),
        }


def session_fields(row: WebSession) -> tuple[Any, ...]:
    return (
        row.key,
        row.started_at,
        row.last_activity_at,
        row.landing_page,
        row.utm_source,
        row.ga_client_id,
        row.page_views,
    )


def value_fields(
    row: EntityObservation | SessionValue,
    sessions: dict[int, WebSession],
    pages: dict[int, str],
    names: dict[int, str],
) -> tuple[Any, ...]:
    page = pages[row.page_view_id] if row.page_view_id is not None else ""
    key = sessions[row.session_id].key
    return (key, names[row.entity_id], page, row.value or "", row.truncated, row.observed_at)
