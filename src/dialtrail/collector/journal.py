"""Appending accepted events to the journal, reading them back, and pruning it
(collector/models.py; docs/design.md §3).

Rows are appended at the end of the writer's transaction, after its leases: on PostgreSQL
under a transaction-level advisory lock, so that the rows of two server processes are
committed in the order of their ids. Without it, a batch that took id 100 could commit after
another process's batch with id 101 had been derived, and the deriver, which reads after
``derived_through``, would never see row 100. The lock is held only for the insert and the
commit (about one fsync); SQLite serialises every write transaction anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from dialtrail.collector.models import DeriverProgress, JournalEvent
from dialtrail.collector.payloads import ErrorsEvent, PageViewEvent, PingEvent
from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.driver import DriverStatement

EVENT_MODELS: dict[str, type[PageViewEvent | PingEvent | ErrorsEvent]] = {
    "pageview": PageViewEvent,
    "ping": PingEvent,
    "errors": ErrorsEvent,
}
KINDS = {model: kind for kind, model in EVENT_MODELS.items()}
ROW_KEYS = ("project_id", "kind", "session_key", "payload", "ip", "user_agent", "received_at")
# Any fixed number: the advisory lock every process appends under (PostgreSQL only).
APPEND_LOCK = 7_468_100_015


@dataclass(frozen=True)
class Entry:
    """A journal row as the deriver reads it."""

    id: int
    project_id: int
    event: PageViewEvent | PingEvent | ErrorsEvent
    ip: str
    user_agent: str
    received_at: datetime


def row(
    project_id: int, event: BaseModel, ip: str, user_agent: str, now: datetime
) -> dict[str, Any]:
    """The journal row of an accepted event (``ip`` already truncated)."""
    assert isinstance(event, PageViewEvent | PingEvent | ErrorsEvent)
    return {
        "project_id": project_id,
        "kind": KINDS[type(event)],
        "session_key": event.session,
        "payload": event.model_dump_json(exclude_defaults=True),
        "ip": ip,
        "user_agent": user_agent,
        "received_at": now,
    }


def append(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Appends the rows in this transaction (the caller commits)."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(statements(connection.dialect.name).lock)
    appender(connection).insert(connection, rows)


APPENDERS: dict[str, DriverStatement] = {}


def appender(connection: Connection) -> DriverStatement:
    dialect = connection.dialect
    found = APPENDERS.get(dialect.name)
    if found is None:
        found = DriverStatement(insert(journal_table()), dialect, ROW_KEYS)
        APPENDERS[dialect.name] = found
    return found


def journal_table() -> Table:
    table = JournalEvent.__table__
    assert isinstance(table, Table)
    return table


class Statements:
    def __init__(self, dialect: str) -> None:
        journal = journal_table()
        progress = DeriverProgress.__table__
        assert isinstance(progress, Table)
        self.lock = text(f"SELECT pg_advisory_xact_lock({APPEND_LOCK})")
        self.derived_through = select(progress.c.derived_through).where(progress.c.id == 1)
        # FOR UPDATE: one deriver at a time (PostgreSQL; SQLite's write lock does the same).
        self.claim = self.derived_through.with_for_update()
        insert_row = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.start = insert_row(progress).values(id=1, derived_through=0).on_conflict_do_nothing()
        self.advance = (
            update(progress)
            .where(progress.c.id == 1)
            .values(derived_through=bindparam("b_through"), derived_at=bindparam("b_at"))
        )
        columns = (
            journal.c.id,
            journal.c.project_id,
            journal.c.kind,
            journal.c.payload,
            journal.c.ip,
            journal.c.user_agent,
            journal.c.received_at,
        )
        self.after = (
            select(*columns)
            .where(journal.c.id > bindparam("b_after"))
            .order_by(journal.c.id)
            .limit(bindparam("b_limit"))
        )
        self.between = (
            select(*columns)
            .where(journal.c.id > bindparam("b_after"), journal.c.id <= bindparam("b_through"))
            .order_by(journal.c.id)
            .limit(bindparam("b_limit"))
        )
        self.first_after_time = select(func.min(journal.c.id)).where(
            journal.c.received_at >= bindparam("b_since", type_=UTCDateTime())
        )
        self.oldest_pending = select(func.min(journal.c.received_at)).where(
            journal.c.id > select(progress.c.derived_through).scalar_subquery()
        )
        self.backlog = select(func.count()).where(
            journal.c.id > select(progress.c.derived_through).scalar_subquery()
        )
        # A ping's page view may still wait in the journal (rows after derived_through only:
        # the rest is in the sessions table).
        self.pending_page_view = (
            select(journal.c.id)
            .where(
                journal.c.id > select(progress.c.derived_through).scalar_subquery(),
                journal.c.project_id == bindparam("b_project"),
                journal.c.session_key == bindparam("b_key"),
                journal.c.kind == "pageview",
            )
            .limit(1)
        )
        self.prune = delete(journal).where(
            journal.c.received_at < bindparam("b_before", type_=UTCDateTime()),
            journal.c.id <= select(progress.c.derived_through).scalar_subquery(),
        )


@cache
def statements(dialect: str) -> Statements:
    return Statements(dialect)


def entries(rows: Any) -> list[Entry]:
    """Journal rows as entries, their payloads validated again (a row written by an older
    version still meets today's rules, or fails loudly)."""
    found = []
    for id, project_id, kind, payload, ip, user_agent, received_at in rows:
        event = EVENT_MODELS[kind].model_validate_json(payload)
        found.append(Entry(id, project_id, event, ip, user_agent, received_at))
    return found


def has_pending_page_view(connection: Connection, project_id: int, key: str) -> bool:
    sql = statements(connection.dialect.name)
    found = connection.execute(sql.pending_page_view, {"b_project": project_id, "b_key": key})
    return found.first() is not None


def prune(connection: Connection, before: datetime) -> int:
    """Deletes the rows received before ``before`` that are derived; returns how many."""
    sql = statements(connection.dialect.name)
    return connection.execute(sql.prune, {"b_before": before}).rowcount
