"""Writing a whole batch of page views and pings with one statement per table (writer.py).

The outcome must be the one store.record_page_view and store.record_ping would give, run one
after another in arrival order. So what a batch creates is visible only to the events that
arrived after its creator: a ping sent before its session's first page view (or before its own
page view) in the same batch sees no session (404), or no page view (its page-view-scope
values are skipped), exactly as it would have alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from dialtrail.collector import sources
from dialtrail.collector.payloads import PageViewEvent, PingEvent
from dialtrail.collector.store import (
    BatchStatements,
    Client,
    DriverStatements,
    ProjectContext,
    Where,
    Writes,
    add_values,
    driver_statements,
    page_view_row,
    session_row,
    statements_for,
)

Key = tuple[int, str]  # (project id, key) of a session; (session id, key) of a page view


@dataclass(frozen=True)
class Planned:
    """A checked page view or ping, waiting for its batch to be written."""

    project: ProjectContext
    event: PageViewEvent | PingEvent
    client: Client
    now: datetime

    @property
    def session_key(self) -> Key:
        return (self.project.id, self.event.session)


@dataclass(frozen=True)
class Created:
    """A row this batch inserted, and the position of the event that inserted it."""

    position: int
    id: int


@dataclass
class Found:
    """Row ids known to the batch: the ones it created, and the ones that were there before."""

    created: dict[Key, Created] = field(default_factory=dict)
    existing: dict[Key, int] = field(default_factory=dict)

    def seen_by(self, key: Key, position: int) -> int | None:
        """The row's id as the event at ``position`` would have seen it, alone."""
        created = self.created.get(key)
        if created is None:
            return self.existing.get(key)
        return created.id if created.position < position else None

    def created_by(self, key: Key, position: int) -> int | None:
        """The row's id if the event at ``position`` inserted it."""
        created = self.created.get(key)
        return created.id if created is not None and created.position == position else None


def record_batch(connection: Connection, planned: list[Planned]) -> list[int | None]:
    """Writes every event; returns each one's session id (None: a ping for an unknown
    session)."""
    sql = statements_for(connection.dialect.name).batch
    driver = driver_statements(connection)
    visitor_ids = upsert_visitors(connection, driver, planned)
    sessions = find_or_start_sessions(connection, sql, driver, planned, visitor_ids)
    session_ids = [
        # A page view sees the session it starts itself; a ping only what came before it.
        sessions.seen_by(plan.session_key, position + 1 if is_page_view(plan) else position)
        for position, plan in enumerate(planned)
    ]
    page_views = find_or_insert_page_views(connection, sql, driver, planned, session_ids)
    return write_consequences(connection, driver, planned, sessions, session_ids, page_views)


def is_page_view(plan: Planned) -> bool:
    return isinstance(plan.event, PageViewEvent)


def page_view_events(planned: list[Planned]) -> Iterable[tuple[int, Planned, PageViewEvent]]:
    for position, plan in enumerate(planned):
        if isinstance(plan.event, PageViewEvent):
            yield position, plan, plan.event


def upsert_visitors(
    connection: Connection, driver: DriverStatements, planned: list[Planned]
) -> dict[Key, int]:
    rows: dict[Key, dict[str, Any]] = {}
    for _, plan, event in page_view_events(planned):
        key = (plan.project.id, event.visitor)
        row = rows.setdefault(key, {"project_id": key[0], "key": key[1], "first_seen_at": plan.now})
        row["last_seen_at"] = plan.now  # the latest page view's time, as one upsert each
    if not rows:
        return {}
    result = driver.upsert_visitors.returning(connection, list(rows.values()))
    return {(project, key): id for project, key, id in result}


def find_or_start_sessions(
    connection: Connection,
    sql: BatchStatements,
    driver: DriverStatements,
    planned: list[Planned],
    visitor_ids: dict[Key, int],
) -> Found:
    """Each new session is started by its first page view in the batch; one lookup finds the
    sessions that were there before (or that another process started a moment ago)."""
    found = Found()
    starters: dict[Key, int] = {}
    rows: list[dict[str, Any]] = []
    for position, plan, event in page_view_events(planned):
        if plan.session_key not in starters:
            starters[plan.session_key] = position
            visitor_id = visitor_ids[(plan.project.id, event.visitor)]
            rows.append(session_row(plan.project.id, visitor_id, event, plan.client, plan.now))
    if rows:
        for project, key, id in driver.insert_sessions.returning(connection, rows):
            found.created[(project, key)] = Created(starters[(project, key)], id)
    wanted = {plan.session_key for plan in planned} - found.created.keys()
    found.existing = look_up(connection, sql.find_sessions, wanted)
    return found


def find_or_insert_page_views(
    connection: Connection,
    sql: BatchStatements,
    driver: DriverStatements,
    planned: list[Planned],
    session_ids: list[int | None],
) -> Found:
    """A page view already recorded (a retry, even within the batch) inserts nothing; pings
    look up the page view they belong to."""
    found = Found()
    inserters: dict[Key, int] = {}
    rows: list[dict[str, Any]] = []
    for position, _, event in page_view_events(planned):
        session_id = session_ids[position]
        assert session_id is not None  # a page view always finds or starts its session
        key = (session_id, event.page_view)
        if key not in inserters:
            inserters[key] = position
            rows.append(page_view_row(session_id, event, planned[position].now))
    if rows:
        for session_id, key, id in driver.insert_page_views.returning(connection, rows):
            found.created[(session_id, key)] = Created(inserters[(session_id, key)], id)
    wanted = {
        (session_id, plan.event.page_view)
        for plan, session_id in zip(planned, session_ids, strict=True)
        if session_id is not None and not is_page_view(plan)
    }
    found.existing = look_up(connection, sql.find_page_views, wanted - found.created.keys())
    return found


def look_up(connection: Connection, statement: Any, wanted: set[Key]) -> dict[Key, int]:
    if not wanted:
        return {}
    owners = sorted({owner for owner, _ in wanted})
    keys = sorted({key for _, key in wanted})
    result = connection.execute(statement, {"b_owners": owners, "b_keys": keys})
    # Both lists are matched separately: keep only the pairs that were asked for.
    return {(owner, key): id for owner, key, id in result if (owner, key) in wanted}


def write_consequences(
    connection: Connection,
    driver: DriverStatements,
    planned: list[Planned],
    sessions: Found,
    session_ids: list[int | None],
    page_views: Found,
) -> list[int | None]:
    """Touches, observations and session values, gathered in arrival order, then one
    statement each."""
    touches = Touches()
    writes = Writes()
    for position, (plan, session_id) in enumerate(zip(planned, session_ids, strict=True)):
        if session_id is None:
            continue  # a ping for an unknown session
        key = (session_id, plan.event.page_view)
        if is_page_view(plan):
            page_view_id = page_views.created_by(key, position)
            if page_view_id is None:
                continue  # the same page view again (a retry): already recorded
            if sessions.created_by(plan.session_key, position) is None:
                touches.add(session_id, plan.now, plan.event.ga, added=1)
        else:
            touches.add(session_id, plan.now, plan.event.ga, added=0)
            page_view_id = page_views.seen_by(key, position)
        add_values(writes, plan.project, Where(session_id, page_view_id, plan.now), plan.event)
    touches.run(connection, driver)
    writes.run(connection)
    return session_ids


class Touches:
    """One UPDATE row per touched session, with what its touches, in order, would leave."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}

    def add(self, session_id: int, now: datetime, ga: str | None, *, added: int) -> None:
        row = self.rows.setdefault(session_id, {"b_session": session_id, "b_added": 0})
        row["b_now"] = now
        row["b_added"] += added
        # The newest GA client id wins; a touch without one keeps what came before.
        row["b_ga"] = sources.ga_client_id(ga) or row.get("b_ga")

    def run(self, connection: Connection, driver: DriverStatements) -> None:
        driver.touch_session.execute_many(connection, list(self.rows.values()))
