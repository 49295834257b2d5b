"""Writing what the collector receives: visitors, sessions, page views, observations, errors.

Every function runs inside the caller's transaction; the route commits before it answers, so a
2xx means the data is durable. Inserts that can race between server processes (two tabs
opening the same new session) use INSERT … ON CONFLICT, which SQLite and PostgreSQL share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dialtrail.collector import sources
from dialtrail.collector.payloads import ErrorsEvent, PageViewEvent, PingEvent, ValuesEvent
from dialtrail.entities.models import TrackingEntity
from dialtrail.projects.models import Project
from dialtrail.sessions.models import (
    EntityObservation,
    PageView,
    SessionValue,
    Visitor,
    WebSession,
)


@dataclass(frozen=True)
class EntityInfo:
    id: int
    scope: str
    keep: str


@dataclass(frozen=True)
class ProjectContext:
    id: int
    domains: list[str]
    entities: dict[str, EntityInfo]


@dataclass(frozen=True)
class Client:
    ip: str
    user_agent: str


def load_project(db: Session, public_key: str) -> ProjectContext | None:
    project = db.scalar(select(Project).where(Project.public_key == public_key))
    if project is None:
        return None
    query = select(TrackingEntity).where(
        TrackingEntity.project_id == project.id, TrackingEntity.enabled.is_(True)
    )
    entities = {
        entity.name: EntityInfo(entity.id, entity.scope, entity.keep)
        for entity in db.scalars(query)
    }
    return ProjectContext(project.id, list(project.domains), entities)


def insert_statement(db: Session, model: Any) -> Any:
    dialect = db.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def record_page_view(
    db: Session, project: ProjectContext, event: PageViewEvent, client: Client, now: datetime
) -> None:
    visitor_id = touch_visitor(db, project.id, event.visitor, now)
    session_id = find_session(db, project.id, event.session)
    if session_id is None:
        session_id = start_session(db, project.id, visitor_id, event, client, now)
    page_view_id = insert_page_view(db, session_id, event, now)
    if page_view_id is None:
        return  # the same page view again (a retry): already recorded
    touch_session(db, session_id, now, event.ga, new_page_view=True)
    record_values(db, project, session_id, page_view_id, event, now)


def record_ping(db: Session, project: ProjectContext, event: PingEvent, now: datetime) -> bool:
    """False when the session is unknown (its page view never arrived)."""
    session_id = find_session(db, project.id, event.session)
    if session_id is None:
        return False
    touch_session(db, session_id, now, event.ga, new_page_view=False)
    page_view_id = db.scalar(
        select(PageView.id).where(
            PageView.session_id == session_id, PageView.key == event.page_view
        )
    )
    record_values(db, project, session_id, page_view_id, event, now)
    return True


def touch_visitor(db: Session, project_id: int, key: str, now: datetime) -> int:
    statement = insert_statement(db, Visitor).values(
        project_id=project_id, key=key, first_seen_at=now, last_seen_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["project_id", "key"], set_={"last_seen_at": now}
    ).returning(Visitor.id)
    visitor_id: int = db.execute(statement).scalar_one()
    return visitor_id


def find_session(db: Session, project_id: int, key: str) -> int | None:
    return db.scalar(
        select(WebSession.id).where(WebSession.project_id == project_id, WebSession.key == key)
    )


def start_session(
    db: Session,
    project_id: int,
    visitor_id: int,
    event: PageViewEvent,
    client: Client,
    now: datetime,
) -> int:
    values = {
        "project_id": project_id,
        "visitor_id": visitor_id,
        "key": event.session,
        "started_at": now,
        "last_activity_at": now,
        "landing_page": event.url,
        "referrer": event.referrer,
        "ga_client_id": sources.ga_client_id(event.ga),
        "user_agent": client.user_agent[:1000],
        "ip": sources.truncate_ip(client.ip),
        "page_views": 0,
        **sources.source_fields(event.url),
    }
    statement = insert_statement(db, WebSession).values(**values)
    # Another request may have started the same session a moment ago: keep the first.
    statement = statement.on_conflict_do_nothing(index_elements=["project_id", "key"])
    db.execute(statement)
    session_id = find_session(db, project_id, event.session)
    assert session_id is not None
    return session_id


def insert_page_view(
    db: Session, session_id: int, event: PageViewEvent, now: datetime
) -> int | None:
    statement = insert_statement(db, PageView).values(
        session_id=session_id,
        key=event.page_view,
        url=event.url,
        title=event.title,
        referrer=event.referrer,
        viewed_at=now,
    )
    statement = statement.on_conflict_do_nothing(index_elements=["session_id", "key"]).returning(
        PageView.id
    )
    page_view_id: int | None = db.execute(statement).scalar_one_or_none()
    return page_view_id


def touch_session(
    db: Session, session_id: int, now: datetime, ga: str | None, *, new_page_view: bool
) -> None:
    changes: dict[str, Any] = {"last_activity_at": now}
    if new_page_view:
        changes["page_views"] = WebSession.page_views + 1
    client_id = sources.ga_client_id(ga)
    if client_id:
        # GA often sets _ga after the first page view; the newest id seen wins.
        changes["ga_client_id"] = client_id
    db.execute(update(WebSession).where(WebSession.id == session_id).values(**changes))


def record_values(
    db: Session,
    project: ProjectContext,
    session_id: int,
    page_view_id: int | None,
    event: ValuesEvent,
    now: datetime,
) -> None:
    flagged = set(event.truncated)
    for name, raw in event.values.items():
        entity = project.entities.get(name)
        if entity is None:
            continue  # disabled or deleted since the page loaded its (cached) script
        value = sources.normalise_value(raw, name in flagged)
        observation = Observation(session_id, page_view_id, entity, value, now)
        if entity.scope == "session":
            record_session_scope(db, observation)
        elif page_view_id is not None:
            record_page_view_scope(db, observation)


@dataclass(frozen=True)
class Observation:
    session_id: int
    page_view_id: int | None
    entity: EntityInfo
    value: sources.NormalisedValue
    observed_at: datetime

    def row(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "page_view_id": self.page_view_id,
            "entity_id": self.entity.id,
            "value": self.value.value,
            "truncated": self.value.truncated,
            "observed_at": self.observed_at,
        }


def record_session_scope(db: Session, observation: Observation) -> None:
    """DESIGN §2: every non-empty observation is kept; an empty one never erases a value."""
    if observation.value.value is None:
        return
    db.execute(insert_statement(db, EntityObservation).values(**observation.row()))
    statement = insert_statement(db, SessionValue).values(**session_value_row(observation))
    conflict = ["session_id", "entity_id"]
    if observation.entity.keep == "first":
        db.execute(statement.on_conflict_do_nothing(index_elements=conflict))
        return
    db.execute(statement.on_conflict_do_update(index_elements=conflict, set_=changed(statement)))


def record_page_view_scope(db: Session, observation: Observation) -> None:
    """Each page view has its own value, empty allowed; the session shows its latest page's."""
    db.execute(insert_statement(db, EntityObservation).values(**observation.row()))
    statement = insert_statement(db, SessionValue).values(**session_value_row(observation))
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["session_id", "entity_id"],
            set_=changed(statement),
            # A late ping from an older page must not replace the newest page's value.
            where=SessionValue.page_view_id <= statement.excluded.page_view_id,
        )
    )


def session_value_row(observation: Observation) -> dict[str, Any]:
    row = observation.row()
    return {key: row[key] for key in SESSION_VALUE_COLUMNS}


SESSION_VALUE_COLUMNS = (
    "session_id",
    "entity_id",
    "page_view_id",
    "value",
    "truncated",
    "observed_at",
)


def changed(statement: Any) -> dict[str, Any]:
    return {
        column: statement.excluded[column]
        for column in ("page_view_id", "value", "truncated", "observed_at")
    }


def record_errors(db: Session, project: ProjectContext, event: ErrorsEvent, now: datetime) -> None:
    for report in event.errors:
        entity = project.entities.get(report.entity)
        if entity is None:
            continue
        db.execute(
            update(TrackingEntity)
            .where(TrackingEntity.id == entity.id)
            .values(
                error_count=TrackingEntity.error_count + 1,
                last_error=report.message or report.kind,
                last_error_kind=report.kind,
                last_error_at=now,
                last_error_url=event.url[:2000],
            )
        )
