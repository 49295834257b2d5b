"""The collector's statements and rows: visitors, sessions, page views, observations, values,
errors (the set-based path that uses them is batch.py).

Every function runs inside the caller's transaction. Inserts that can race between server
processes (two tabs opening the same new session) use INSERT … ON CONFLICT, which SQLite and
PostgreSQL share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dialtrail.collector import sources
from dialtrail.collector.payloads import ANALYTICS_IDS, ErrorsEvent, PageViewEvent, ValuesEvent
from dialtrail.entities.models import ERROR_URL_LENGTH, TrackingEntity
from dialtrail.entities.rules import newest_wins
from dialtrail.numbers.gate import ANYONE, LeaseGate
from dialtrail.numbers.leasing import PoolSettings
from dialtrail.numbers.models import TrackingNumber
from dialtrail.privacy.redaction import Policy, Privacy, project_key
from dialtrail.projects.models import OriginRefusal, Project
from dialtrail.sessions.channels import channel_of
from dialtrail.sessions.models import (
    EntityObservation,
    PageView,
    SessionValue,
    Visitor,
    WebSession,
)
from dialtrail.sessions.visit import LANDING_PARAMETERS
from dialtrail.storage.base import Base, UTCDateTime
from dialtrail.storage.driver import DriverStatement


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
    pool: PoolSettings | None = None  # None: no pool numbers, so nothing to lease
    policy: Policy = field(default_factory=Policy)  # what may be stored (privacy/redaction.py)


@dataclass(frozen=True)
class Client:
    ip: str
    user_agent: str


def load_project(
    db: Session, public_key: str, gate: LeaseGate = ANYONE, privacy_secret: bytes = b""
) -> ProjectContext | None:
    project = db.scalar(select(Project).where(Project.public_key == public_key))
    return project_context(db, project, gate, privacy_secret)


def load_project_by_id(
    db: Session, project_id: int, gate: LeaseGate = ANYONE, privacy_secret: bytes = b""
) -> ProjectContext | None:
    return project_context(db, db.get(Project, project_id), gate, privacy_secret)


def project_context(
    db: Session, project: Project | None, gate: LeaseGate, privacy_secret: bytes = b""
) -> ProjectContext | None:
    """``privacy_secret``: the server's key the projects' hashing keys derive from."""
    if project is None:
        return None
    query = select(TrackingEntity).where(
        TrackingEntity.project_id == project.id, TrackingEntity.enabled.is_(True)
    )
    found = list(db.scalars(query))
    entities = {entity.name: EntityInfo(entity.id, entity.scope, entity.keep) for entity in found}
    pool = pool_settings(db, project, gate)
    return ProjectContext(
        project.id, list(project.domains), entities, pool, policy_of(project, found, privacy_secret)
    )


def policy_of(project: Project, entities: list[TrackingEntity], secret: bytes) -> Policy:
    special: dict[str, Privacy] = {
        entity.name: entity.privacy  # type: ignore[misc]
        for entity in entities
        if entity.privacy != "redact"
    }
    key = project_key(secret, project.id)
    return Policy(project.redact_personal_data, special, key)


def pool_settings(db: Session, project: Project, gate: LeaseGate = ANYONE) -> PoolSettings | None:
    """None when the project has no pool numbers to lease or to keep: a number removed while
    leased (draining) still counts, so the sessions holding it keep it until their leases end
    (docs/numbers.md), even once the last pool number is removed."""
    pool_numbers = select(func.count()).where(
        TrackingNumber.project_id == project.id,
        TrackingNumber.kind == "pool",
        or_(TrackingNumber.removed_at.is_(None), TrackingNumber.open_leases > 0),
    )
    if not db.scalar(pool_numbers):
        return None
    return PoolSettings(
        project.id,
        project.hold_seconds,
        project.on_pool_exhausted,
        project.effective_default_number,
        gate,
    )


class Statements:
    """The collector's statements, built once per dialect and run with parameters only:
    building SQLAlchemy constructs per request cost more than running them."""

    def __init__(self, dialect: str) -> None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        greatest = func.greatest if dialect == "postgresql" else func.max
        visitors, sessions = table_of(Visitor), table_of(WebSession)
        page_views, values = table_of(PageView), table_of(SessionValue)
        now = bindparam("b_now", type_=UTCDateTime())
        self.touch_session = (
            update(sessions)
            .where(sessions.c.id == bindparam("b_session"))
            .values(
                # Only forward: a replayed or late event never moves the session back.
                last_activity_at=greatest(sessions.c.last_activity_at, now),
                page_views=sessions.c.page_views + bindparam("b_added"),
                # GA often sets _ga after the first page view; the newest id seen wins.
                ga_client_id=func.coalesce(bindparam("b_ga"), sessions.c.ga_client_id),
                # GA4's session and Matomo's visitor id, likewise set by their tags later.
                **{
                    name: func.coalesce(bindparam(f"b_{name}"), sessions.c[name])
                    for name in ANALYTICS_IDS
                },
            )
        )
        self.insert_observation = insert(table_of(EntityObservation))
        self.batch = BatchStatements(insert, visitors, sessions, page_views)
        upsert_value = insert(values)
        newest = {
            column: upsert_value.excluded[column]
            for column in ("page_view_id", "value", "truncated", "observed_at")
        }
        conflict = ["session_id", "entity_id"]
        self.keep_first_value = upsert_value.on_conflict_do_nothing(index_elements=conflict)
        self.keep_last_value = upsert_value.on_conflict_do_update(
            index_elements=conflict,
            set_=newest,
            # A replayed, older observation never replaces a newer value.
            where=values.c.observed_at <= upsert_value.excluded.observed_at,
        )
        self.keep_newest_page_value = upsert_value.on_conflict_do_update(
            index_elements=conflict,
            set_=newest,
            # A late ping from an older page must not replace the newest page's value.
            where=values.c.page_view_id <= upsert_value.excluded.page_view_id,
        )


class BatchStatements:
    """The statements that write a whole batch of events at once (batch.py): each row comes
    back with its key, since an insert that met a conflict returns no row to line up with."""

    def __init__(self, insert: Any, visitors: Table, sessions: Table, page_views: Table) -> None:
        upsert_visitors = insert(visitors)
        self.upsert_visitors = upsert_visitors.on_conflict_do_update(
            index_elements=["project_id", "key"],
            set_={"last_seen_at": upsert_visitors.excluded.last_seen_at},
        ).returning(visitors.c.project_id, visitors.c.key, visitors.c.id)
        self.insert_sessions = (
            insert(sessions)
            .on_conflict_do_nothing(index_elements=["project_id", "key"])
            .returning(sessions.c.project_id, sessions.c.key, sessions.c.id)
        )
        self.find_sessions = select(sessions.c.project_id, sessions.c.key, sessions.c.id).where(
            sessions.c.project_id.in_(bindparam("b_owners", expanding=True)),
            sessions.c.key.in_(bindparam("b_keys", expanding=True)),
        )
        self.insert_page_views = (
            insert(page_views)
            .on_conflict_do_nothing(index_elements=["session_id", "key"])
            .returning(page_views.c.session_id, page_views.c.key, page_views.c.id)
        )
        self.find_page_views = select(
            page_views.c.session_id, page_views.c.key, page_views.c.id
        ).where(
            page_views.c.session_id.in_(bindparam("b_owners", expanding=True)),
            page_views.c.key.in_(bindparam("b_keys", expanding=True)),
        )


VISITOR_KEYS = ("project_id", "key", "first_seen_at", "last_seen_at")
SESSION_KEYS = (
    *("project_id", "visitor_id", "key", "started_at", "last_activity_at", "landing_page"),
    *(
        "referrer",
        "ga_client_id",
        *ANALYTICS_IDS,
        "user_agent",
        "ip",
        "page_views",
        "channel",
        *LANDING_PARAMETERS,
    ),
)
PAGE_VIEW_KEYS = ("session_id", "key", "url", "title", "referrer", "viewed_at")
OBSERVATION_KEYS = ("session_id", "page_view_id", "entity_id", "value", "truncated", "observed_at")
TOUCH_KEYS = ("b_session", "b_now", "b_added", "b_ga", *(f"b_{name}" for name in ANALYTICS_IDS))


class DriverStatements:
    """The statements a batch runs for every event, run on the driver's cursor (driver.py):
    with several rows per event, SQLAlchemy's work per row outweighed the database's."""

    def __init__(self, sql: Statements, dialect: Dialect) -> None:
        self.upsert_visitors = DriverStatement(sql.batch.upsert_visitors, dialect, VISITOR_KEYS)
        self.insert_sessions = DriverStatement(sql.batch.insert_sessions, dialect, SESSION_KEYS)
        self.insert_page_views = DriverStatement(
            sql.batch.insert_page_views, dialect, PAGE_VIEW_KEYS
        )
        self.touch_session = DriverStatement(sql.touch_session, dialect, TOUCH_KEYS)
        self.insert_observation = DriverStatement(sql.insert_observation, dialect, OBSERVATION_KEYS)
        self.by_statement = {
            name: DriverStatement(getattr(sql, name), dialect, OBSERVATION_KEYS)
            for name in ("keep_first_value", "keep_last_value", "keep_newest_page_value")
        }


DRIVER_STATEMENTS: dict[str, DriverStatements] = {}


def driver_statements(connection: Connection) -> DriverStatements:
    dialect = connection.dialect
    found = DRIVER_STATEMENTS.get(dialect.name)
    if found is None:
        found = DriverStatements(statements_for(dialect.name), dialect)
        DRIVER_STATEMENTS[dialect.name] = found
    return found


def table_of(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@cache
def statements_for(dialect: str) -> Statements:
    return Statements(dialect)


def page_view_row(session_id: int, event: PageViewEvent, now: datetime) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "key": event.page_view,
        "url": event.url,
        "title": event.title,
        "referrer": event.referrer,
        "viewed_at": now,
    }


def session_row(
    project_id: int, visitor_id: int, event: PageViewEvent, ip: str, user_agent: str, now: datetime
) -> dict[str, Any]:
    """A new session, as its first page view starts it (``ip`` already truncated); its page
    views are counted as they are recorded (batch.py), this one too."""
    sources_of_landing = sources.source_fields(event.url)
    return {
        "project_id": project_id,
        "visitor_id": visitor_id,
        "key": event.session,
        "started_at": now,
        "last_activity_at": now,
        "landing_page": event.url,
        "referrer": event.referrer,
        "ga_client_id": sources.ga_client_id(event.ga),
        **{name: getattr(event, name) for name in ANALYTICS_IDS},
        "user_agent": user_agent[:1000],
        "ip": ip,
        "page_views": 0,
        **sources_of_landing,
        "channel": channel_of(sources_of_landing, event.referrer),
    }


@dataclass(frozen=True)
class Where:
    """Where and when values were observed."""

    session_id: int
    page_view_id: int | None
    observed_at: datetime


def add_values(writes: Writes, project: ProjectContext, where: Where, event: ValuesEvent) -> None:
    flagged = set(event.truncated)
    for name, raw in event.values.items():
        entity = project.entities.get(name)
        if entity is None:
            continue  # disabled or deleted since the page loaded its (cached) script
        value = sources.normalise_value(raw, name in flagged)
        if entity.scope == "session":
            writes.session_scope(entity, value, where)
        elif where.page_view_id is not None:
            writes.page_view_scope(entity, value, where)


class Writes:
    """The rows a batch of events adds, sent as one statement per table. ``replaying``: the
    rows may have been written before (deriver.replay); observations already there are not
    inserted again."""

    def __init__(self, *, replaying: bool = False) -> None:
        self.replaying = replaying
        self.observations: list[dict[str, Any]] = []
        self.by_statement: dict[str, list[dict[str, Any]]] = {}

    def session_scope(
        self, entity: EntityInfo, value: sources.NormalisedValue, where: Where
    ) -> None:
        """docs/design.md §2: every non-empty observation is kept; an empty one never erases a
        value."""
        if value.value is None:
            return
        row = observation_row(entity, value, where)
        self.observations.append(row)
        keep = "keep_last_value" if newest_wins(entity.keep) else "keep_first_value"
        self.by_statement.setdefault(keep, []).append(row)

    def page_view_scope(
        self, entity: EntityInfo, value: sources.NormalisedValue, where: Where
    ) -> None:
        """Each page view has its own value, empty allowed; the session shows its latest
        page's."""
        row = observation_row(entity, value, where)
        self.observations.append(row)
        self.by_statement.setdefault("keep_newest_page_value", []).append(row)

    def run(self, connection: Connection) -> None:
        driver = driver_statements(connection)
        observations = self.observations
        if self.replaying:
            observations = not_recorded(connection, observations)
        driver.insert_observation.insert(connection, observations)
        for statement, rows in self.by_statement.items():
            driver.by_statement[statement].insert(connection, collapsed(statement, rows))


def collapsed(statement: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per session and entity: the one that would be left after running the rows one
    after another (a batch can hold several for the same pair, and PostgreSQL refuses to
    upsert the same row twice in one statement)."""
    kept: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        pair = (row["session_id"], row["entity_id"])
        current = kept.get(pair)
        if current is None or replaces(statement, current, row):
            kept[pair] = row
    return list(kept.values())


def replaces(statement: str, current: dict[str, Any], row: dict[str, Any]) -> bool:
    if statement == "keep_first_value":
        return False
    if statement == "keep_last_value":
        return True
    # keep_newest_page_value: the rule of its WHERE clause, applied in arrival order.
    newer: bool = current["page_view_id"] <= row["page_view_id"]
    return newer


def observation_row(
    entity: EntityInfo, value: sources.NormalisedValue, where: Where
) -> dict[str, Any]:
    return {
        "session_id": where.session_id,
        "page_view_id": where.page_view_id,
        "entity_id": entity.id,
        "value": value.value,
        "truncated": value.truncated,
        "observed_at": where.observed_at,
    }


def not_recorded(connection: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The observations that are not in the table yet (a replay's: slow, and rare)."""
    if not rows:
        return rows
    table = table_of(EntityObservation)
    found = connection.execute(
        select(
            table.c.session_id,
            table.c.page_view_id,
            table.c.entity_id,
            table.c.value,
            table.c.observed_at,
        ).where(table.c.session_id.in_(sorted({row["session_id"] for row in rows})))
    )
    recorded = {tuple(row) for row in found}
    return [row for row in rows if observation_identity(row) not in recorded]


def observation_identity(row: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("session_id", "page_view_id", "entity_id", "value", "observed_at")
    return tuple(row[key] for key in keys)


def note_refusal(db: Session, project_id: int, host: str | None, now: datetime) -> None:
    """Remembers a page view refused for its origin (shown on the Installation page): a note
    about the refusal, none of the refused request's data."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    row = {"project_id": project_id, "host": (host or "")[:255], "refused_at": now}
    statement = insert(OriginRefusal).values(row)
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id"],
            set_={"host": statement.excluded.host, "refused_at": statement.excluded.refused_at},
        )
    )


def record_errors(
    connection: Connection, project: ProjectContext, event: ErrorsEvent, now: datetime
) -> None:
    for report in event.errors:
        entity = project.entities.get(report.entity)
        if entity is None:
            continue
        connection.execute(
            update(TrackingEntity)
            .where(TrackingEntity.id == entity.id)
            .values(
                error_count=TrackingEntity.error_count + 1,
                last_error=report.message or report.kind,
                last_error_kind=report.kind,
                last_error_at=now,
                last_error_url=event.url[:ERROR_URL_LENGTH],
                # A visitor's report is not an edit of the declaration: keep updated_at.
                updated_at=TrackingEntity.updated_at,
            )
        )
