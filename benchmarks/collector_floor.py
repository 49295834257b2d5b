"""The database's own share of a page view: what the collector's rows cost with nothing else.

Writes batches of new-visitor page views (a visitor, a session, a page view, three observations
and three session values each: the rows a benchmark page view writes) with the collector's own
compiled statements, one multi-row statement per table and one commit per batch, as its writer
does. Only the statements and the commits are timed: the parameters are built beforehand, so
no Python work per row is counted. What remains is the floor no collector written in Python
can go under: the driver binding the values, the database writing rows and indexes, and the
fsync'd commit (PostgreSQL: plus its backend's CPU, read from /proc).

Used by collector.py after its HTTP rounds, on the same scratch database.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from harness import scratch
from harness.usage import CpuMeter
from sqlalchemy import Connection, select

from dialtrail.collector import store
from dialtrail.collector.payloads import PageViewEvent
from dialtrail.entities.models import TrackingEntity
from dialtrail.projects.models import Project
from dialtrail.storage.driver import DriverStatement

BATCH = 256  # the writer's largest batch (collector.writer.MAX_BATCH)
BATCHES = 40
URL = "https://shop.example.com/?utm_source=newsletter&utm_medium=email"


@dataclass(frozen=True)
class Floor:
    page_views: int
    cpu_us_per_page_view: float  # this process while the statements ran, plus PostgreSQL's
    database_cpu_us_per_page_view: float  # PostgreSQL's backends (0 on SQLite: in-process)


class Stopwatch:
    """CPU of this process inside ``timed`` sections only."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def timed(self, run: Any) -> Any:
        start = time.process_time()
        try:
            return run()
        finally:
            self.seconds += time.process_time() - start


def measure(url: str, database_marker: str | None) -> Floor:
    engine = scratch.engine_for(url)
    try:
        with engine.connect() as connection:
            project_id = connection.scalar(select(Project.id).limit(1))
            assert project_id is not None, "the scratch database has its project"
            entity_ids = list(
                connection.scalars(
                    select(TrackingEntity.id).where(TrackingEntity.project_id == project_id)
                )
            )
            connection.commit()
            meter = CpuMeter(0, database_marker)
            stopwatch = Stopwatch()
            database_before = meter.database_cpu()
            for _ in range(BATCHES):
                write_batch(connection, stopwatch, project_id, entity_ids)
            database = meter.database_cpu() - database_before
    finally:
        engine.dispose()
    page_views = BATCH * BATCHES
    return Floor(
        page_views,
        (stopwatch.seconds + database) / page_views * 1e6,
        database / page_views * 1e6,
    )


def write_batch(
    connection: Connection, stopwatch: Stopwatch, project_id: int, entity_ids: list[int]
) -> None:
    driver = store.driver_statements(connection)
    now = datetime.now(UTC)
    connection.begin()
    visitors = [
        {"project_id": project_id, "key": new_key(), "first_seen_at": now, "last_seen_at": now}
        for _ in range(BATCH)
    ]
    visitor_ids = [row[2] for row in run(connection, stopwatch, driver.upsert_visitors, visitors)]
    sessions = [session(project_id, visitor_id, now) for visitor_id in visitor_ids]
    session_ids = [row[2] for row in run(connection, stopwatch, driver.insert_sessions, sessions)]
    page_views = [page_view(session_id, now) for session_id in session_ids]
    returned = run(connection, stopwatch, driver.insert_page_views, page_views)
    values = [
        value(session_id, page_view_id, entity_id, now)
        for session_id, _, page_view_id in returned
        for entity_id in entity_ids
    ]
    run(connection, stopwatch, driver.insert_observation, values)
    run(connection, stopwatch, driver.by_statement["keep_last_value"], values)
    stopwatch.timed(connection.commit)


def run(
    connection: Connection,
    stopwatch: Stopwatch,
    statement: DriverStatement,
    rows: list[dict[str, Any]],
) -> list[Any]:
    """One multi-row statement, its parameters built before the clock starts."""
    flat = [value for row in rows for value in statement.values(row)]
    sql = statement.sql_for(len(rows))
    cursor = statement.multi_row_cursor(connection)

    def execute() -> list[Any]:
        cursor.execute(sql, flat)
        return list(cursor.fetchall()) if cursor.description else []

    try:
        return list(stopwatch.timed(execute))
    finally:
        cursor.close()


def new_key() -> str:
    return secrets.token_urlsafe(16)


def session(project_id: int, visitor_id: int, now: datetime) -> dict[str, Any]:
    return store.session_row(project_id, visitor_id, event(), "127.0.0.0", "Mozilla/5.0", now)


def event() -> PageViewEvent:
    return PageViewEvent.model_validate(
        {
            "visitor": new_key(),
            "session": new_key(),
            "page_view": new_key(),
            "new_session": True,
            "url": URL,
            "title": "Shop - home",
            "referrer": "",
            "ga": "GA1.1.123456789.1700000000",
            "values": {},
            "truncated": [],
            "at": 1700000000000,
        }
    )


def page_view(session_id: int, now: datetime) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "key": new_key(),
        "url": URL,
        "title": "Shop - home",
        "referrer": "",
        "viewed_at": now,
    }


def value(session_id: int, page_view_id: int, entity_id: int, now: datetime) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "page_view_id": page_view_id,
        "entity_id": entity_id,
        "value": new_key(),
        "truncated": False,
        "observed_at": now,
    }
