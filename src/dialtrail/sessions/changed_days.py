"""Marking the days whose sessions or calls changed, for the reports' per-day rollups
(reports/rollup.py, ARCHITECTURE.md "Reports").

Sessions are marked by the collector's deriver (``mark_started``: one statement per batch) and
by retention (``mark_sessions``); calls, and rows written through the ORM, by ``watch``ing every
flush: new, changed and deleted rows of the watched models, whoever writes them (ingest's
events, a late ``ended``, an attribution set again), so a writer added later cannot forget.

A mark is the UTC date of the changed row's start: the writers do not need the project's time
zone, and the reader widens it to the local days that UTC day overlaps. Marks are written in
the transaction of the change, so a rollup never misses a committed change: either the reader
sees the mark (and recomputes the day from rows that include the change), or the mark stays
for the next reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, event, insert, inspect, select
from sqlalchemy.orm import Session

from dialtrail.sessions.models import ChangedDay, WebSession

CHANGED_DAYS = ChangedDay.__table__
assert isinstance(CHANGED_DAYS, Table)
MARK = insert(CHANGED_DAYS)


def mark(connection: Connection | Session, changes: Iterable[tuple[int, datetime | None]]) -> None:
    """Marks the UTC day of each (project id, start); a start of None marks nothing."""
    days = {(project_id, utc_day(start)) for project_id, start in changes if start is not None}
    if days:
        rows = [{"project_id": project_id, "day": day} for project_id, day in sorted(days)]
        connection.execute(MARK, rows)


def utc_day(moment: datetime) -> date:
    """Stored times are UTC (aware when read back, naive as some writers hold them)."""
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def mark_started(connection: Connection, sessions: Sequence[dict[str, Any]]) -> None:
    """The collector's new sessions (rows of collector/store.session_row): one statement per
    batch. A row whose session already existed marks a day for nothing, which only costs the
    next report a recomputed day."""
    mark(connection, ((row["project_id"], row["started_at"]) for row in sessions))


def mark_sessions(db: Session, session_ids: Sequence[int]) -> None:
    """Before sessions are deleted (retention): the days they were counted in."""
    query = select(WebSession.project_id, WebSession.started_at).where(
        WebSession.id.in_(session_ids)
    )
    mark(db, ((project_id, started_at) for project_id, started_at in db.execute(query)))


WATCHED: set[type] = set()  # models with project_id and started_at


def watch(*models: type) -> None:
    """Marks the days of every flushed row of ``models`` (idempotent: wiring may run twice)."""
    WATCHED.update(models)
    if not event.contains(Session, "before_flush", mark_flushed):
        event.listen(Session, "before_flush", mark_flushed)


def mark_flushed(db: Session, flush_context: Any, instances: Any) -> None:
    changes = list(flushed_starts(db))
    if changes:
        # On the connection: a statement through the session would flush again.
        mark(db.connection(), changes)


def flushed_starts(db: Session) -> Iterator[tuple[int, datetime | None]]:
    """(project, start) of each watched row about to be written: a changed row's former
    start too, so a call that moves to another day leaves its old day recomputed."""
    for row in (*db.new, *db.deleted):
        if type(row) in WATCHED:
            yield row.project_id, row.started_at
    for row in db.dirty:
        if type(row) in WATCHED and db.is_modified(row):
            yield row.project_id, row.started_at
            former = inspect(row).attrs.started_at.history.deleted or ()
            yield from ((row.project_id, start) for start in former)
