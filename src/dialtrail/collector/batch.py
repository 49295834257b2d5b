"""Deriving visitors, sessions, page views, values, renewals and entity health from a batch of
journal rows, with one statement per table: the collector's one write path (deriver.py runs
it for the deriver's batches, catch-ups and replays; jobs.py uses ``ensure_sessions`` for the
sessions a lease needs at once).

Applying a row a second time changes nothing: a page view already recorded inserts nothing
and has no consequences; a session's last activity only moves forward; a value is replaced
only by one observed no earlier; a replayed ping's observations are inserted only where the
same observation is not there yet (``replaying``); entity error counts are not replayed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from dialtrail.collector import sources
from dialtrail.collector.payloads import (
    ANALYTICS_IDS,
    ErrorsEvent,
    PageViewEvent,
    PingEvent,
    ValuesEvent,
)
from dialtrail.collector.store import (
    DriverStatements,
    ProjectContext,
    Where,
    Writes,
    add_values,
    driver_statements,
    page_view_row,
    record_errors,
    session_row,
    statements_for,
)
from dialtrail.numbers import leasing
from dialtrail.numbers.renewals import renew_all
from dialtrail.sessions import changed_days

Key = tuple[int, str]  # (project id, key) of a session; (session id, key) of a page view


@dataclass(frozen=True)
class Observed:
    """An accepted event with what its request added (``ip`` already truncated)."""

    project: ProjectContext
    event: PageViewEvent | PingEvent | ErrorsEvent
    ip: str
    user_agent: str
    now: datetime

    @property
    def session_key(self) -> Key:
        return (self.project.id, self.event.session)


def derive(connection: Connection, batch: list[Observed], *, replaying: bool = False) -> None:
    """Applies the batch, in arrival order, in the caller's transaction."""
    driver = driver_statements(connection)
    views = [item for item in batch if isinstance(item.event, PageViewEvent)]
    # Most sessions are there already (an earlier batch, or the collector's lease made them):
    # looked up first, only the others are built and inserted.
    sessions = find_sessions(connection, {item.session_key for item in batch})
    sessions.update(ensure_sessions(connection, driver, views, sessions).ids)
    page_views = record_page_views(connection, driver, views, sessions)
    write_consequences(connection, driver, batch, sessions, page_views, replaying)


def first_page_views(views: Iterable[Observed]) -> list[Observed]:
    """The first page view of each session: it starts the session, and sets its landing
    page and sources."""
    firsts: dict[Key, Observed] = {}
    for item in views:
        firsts.setdefault(item.session_key, item)
    return list(firsts.values())


@dataclass(frozen=True)
class Sessions:
    """The sessions of a batch's page views by key, and the keys of those it started."""

    ids: dict[Key, int]
    started: set[Key]


def ensure_sessions(
    connection: Connection,
    driver: DriverStatements,
    views: list[Observed],
    known: dict[Key, int] | None = None,
) -> Sessions:
    """The session of every page view, started by its first one when it is new (a session
    another request started meanwhile is kept: the first one stays); ``known``: sessions
    the caller found already, not inserted again. Every page view's visitor is seen."""
    if not views:
        return Sessions({}, set())
    known = known or {}
    visitor_ids = upsert_visitors(connection, driver, views)
    rows = []
    for item in first_page_views(views):
        assert isinstance(item.event, PageViewEvent)
        if item.session_key in known:
            continue
        visitor_id = visitor_ids[(item.project.id, item.event.visitor)]
        rows.append(
            session_row(item.project.id, visitor_id, item.event, item.ip, item.user_agent, item.now)
        )
    found = {
        (project, key): id
        for project, key, id in driver.insert_sessions.returning(connection, rows)
    }
    changed_days.mark_started(connection, rows)  # the reports' rollups (reports/rollup.py)
    started = set(found)
    wanted = {item.session_key for item in views} - started - known.keys()
    found.update(find_sessions(connection, wanted))
    found.update((key, known[key]) for key in known.keys() & {item.session_key for item in views})
    return Sessions(found, started)


def find_sessions(connection: Connection, wanted: set[Key]) -> dict[Key, int]:
    return look_up(connection, statements_for(connection.dialect.name).batch.find_sessions, wanted)


def upsert_visitors(
    connection: Connection, driver: DriverStatements, views: list[Observed]
) -> dict[Key, int]:
    rows: dict[Key, dict[str, Any]] = {}
    for item in views:
        assert isinstance(item.event, PageViewEvent)
        key = (item.project.id, item.event.visitor)
        row = rows.setdefault(key, {"project_id": key[0], "key": key[1], "first_seen_at": item.now})
        row["last_seen_at"] = item.now  # the latest page view's time, as one upsert each
    result = driver.upsert_visitors.returning(connection, list(rows.values()))
    return {(project, key): id for project, key, id in result}


@dataclass
class PageViews:
    created: dict[Key, int]  # recorded by this batch
    existing: dict[Key, int]  # recorded before

    def id_of(self, key: Key) -> int | None:
        return self.created.get(key) or self.existing.get(key)


def record_page_views(
    connection: Connection,
    driver: DriverStatements,
    views: list[Observed],
    sessions: dict[Key, int],
) -> PageViews:
    """Inserts the page views (one already recorded, a retry or a replay, inserts nothing);
    the pings' page views are looked up afterwards, by ``page_view_of``."""
    rows: dict[Key, dict[str, Any]] = {}
    for item in views:
        assert isinstance(item.event, PageViewEvent)
        session_id = sessions[item.session_key]
        rows.setdefault(
            (session_id, item.event.page_view), page_view_row(session_id, item.event, item.now)
        )
    created = {
        (session_id, key): id
        for session_id, key, id in driver.insert_page_views.returning(
            connection, list(rows.values())
        )
    }
    return PageViews(created, {})


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
    batch: list[Observed],
    sessions: dict[Key, int],
    page_views: PageViews,
    replaying: bool,
) -> None:
    """Touches, observations, session values, renewals and error reports, gathered in arrival
    order, then one statement each."""
    pinged = {
        (sessions[item.session_key], item.event.page_view)
        for item in batch
        if isinstance(item.event, PingEvent) and item.session_key in sessions
    }
    sql = statements_for(connection.dialect.name).batch
    page_views.existing = look_up(
        connection, sql.find_page_views, pinged - page_views.created.keys()
    )
    touches = Touches()
    writes = Writes(replaying=replaying)
    renewals: dict[int, tuple[leasing.PoolSettings, datetime]] = {}
    for item in batch:
        if isinstance(item.event, ErrorsEvent):
            if not replaying:
                record_errors(connection, item.project, item.event, item.now)
            continue
        session_id = sessions.get(item.session_key)
        if session_id is None:
            continue  # a ping whose session was never recorded: nothing to apply
        key = (session_id, item.event.page_view)
        if isinstance(item.event, PageViewEvent):
            page_view_id = page_views.created.pop(key, None)
            if page_view_id is None:
                continue  # the same page view again (a retry or a replay): already recorded
            page_views.existing[key] = page_view_id  # later events of the page see it
            touches.add(session_id, item.now, item.event, added=1)
        else:
            touches.add(session_id, item.now, item.event, added=0)
            page_view_id = page_views.id_of(key)
        if item.project.pool is not None:
            renewals[session_id] = (item.project.pool, item.now)
        add_values(writes, item.project, Where(session_id, page_view_id, item.now), item.event)
    touches.run(connection, driver)
    writes.run(connection)
    renew_all(connection, [(pool, session_id, now) for session_id, (pool, now) in renewals.items()])


class Touches:
    """One UPDATE row per touched session, with what its touches, in order, would leave."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}

    def add(self, session_id: int, now: datetime, event: ValuesEvent, *, added: int) -> None:
        row = self.rows.setdefault(session_id, {"b_session": session_id, "b_added": 0})
        row["b_now"] = now
        row["b_added"] += added
        # The newest GA client id wins; a touch without one keeps what came before. So do
        # GA4's session and Matomo's visitor id.
        row["b_ga"] = sources.ga_client_id(event.ga) or row.get("b_ga")
        for name in ANALYTICS_IDS:
            row[f"b_{name}"] = getattr(event, name) or row.get(f"b_{name}")

    def run(self, connection: Connection, driver: DriverStatements) -> None:
        driver.touch_session.execute_many(connection, list(self.rows.values()))
