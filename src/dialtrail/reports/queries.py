"""The report's sums, read in a few grouped queries.

Each call (and session) of the period gets its span number in SQL from boundaries computed in
Python (periods.py settles time zones and DST, identically on both databases): on PostgreSQL by
``width_bucket`` within one index range of ``ix_calls_project_started``; on SQLite by joining a
small table of spans (one JSON parameter), one index range per span. The call's visit
dimensions are looked up per call by the session's primary key. ARCHITECTURE.md ("Reports")
explains the plans and what the benchmark measured.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    TIMESTAMP,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    null,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import CTE

from dialtrail.calls.filters import CallFilters
from dialtrail.calls.models import Call
from dialtrail.calls.queries import conditions
from dialtrail.reports.figures import Counts
from dialtrail.reports.groupings import Grouping
from dialtrail.reports.periods import Span
from dialtrail.sessions.models import WebSession
from dialtrail.storage.base import UTCDateTime

Key = tuple[int, str | None]  # (span number, group key)


def span_table(spans: Sequence[Span], dialect: str) -> CTE:
    """``spans (number, start_at, end_at)``, read from one JSON parameter: a VALUES list of a
    year of days was a thousand bound parameters, and compiling it cost more than the query."""
    boundaries = json.dumps([[stored(span.start), stored(span.end)] for span in spans])
    rows = SPAN_ROWS[dialect].bindparams(bindparam("spans", boundaries, type_=String))
    return rows.columns(number=Integer, start_at=UTCDateTime, end_at=UTCDateTime).cte("spans")


def stored(moment: datetime) -> str:
    """As UTCDateTime stores it: UTC without a zone (SQLite compares the text)."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


SPAN_ROWS = {
    "sqlite": text(
        "SELECT CAST(key AS INTEGER) AS number, json_extract(value, '$[0]') AS start_at,"
        " json_extract(value, '$[1]') AS end_at FROM json_each(:spans)"
    ),
    "postgresql": text(
        "SELECT CAST(ordinality - 1 AS INTEGER) AS number,"
        " CAST(boundary ->> 0 AS TIMESTAMP WITHOUT TIME ZONE) AS start_at,"
        " CAST(boundary ->> 1 AS TIMESTAMP WITHOUT TIME ZONE) AS end_at"
        " FROM json_array_elements(CAST(:spans AS JSON)) WITH ORDINALITY AS t(boundary, ordinality)"
    ),
}


def call_counts(
    db: Session,
    project_id: int,
    filters: CallFilters,
    spans: Sequence[Span],
    grouping: Grouping | None,
) -> dict[Key, Counts]:
    """Per span and group (``grouping`` None: per span only, the key None)."""
    query = call_counts_query(db.get_bind().dialect.name, project_id, filters, spans, grouping)
    rows = db.execute(query)
    return {(row[0], row[1]): Counts(*(int(value or 0) for value in row[2:])) for row in rows}


def call_counts_query(
    dialect: str,
    project_id: int,
    filters: CallFilters,
    spans: Sequence[Span],
    grouping: Grouping | None,
) -> Select[Any]:
    """Each call with its span number and group key, then summed per span and group."""
    calls = each_call(dialect, project_id, filters, spans, grouping)
    # PostgreSQL refuses GROUP BY NULL, and a column it does not group by.
    group_key = calls.c.group_key if grouping else null()
    per_group = [calls.c.group_key] if grouping else []
    return select(calls.c.number, group_key, *call_sums(calls.c)).group_by(
        calls.c.number, *per_group
    )


CALL_FIGURE_COLUMNS = ("disposition", "is_first_call", "caller", "wait_seconds", "talk_seconds")


def each_call(
    dialect: str,
    project_id: int,
    filters: CallFilters,
    spans: Sequence[Span],
    grouping: Grouping | None,
) -> Any:
    """Each call of the spans with its span number, group key and figure columns: a subquery,
    so the key (a lookup of the call's session by primary key) is computed once per call."""
    spanning = spanned(dialect, spans, Call.started_at)
    key = grouping.call_key(dialect) if grouping else null()
    return (
        select(
            spanning.number.label("number"),
            key.label("group_key"),
            *(getattr(Call, name) for name in CALL_FIGURE_COLUMNS),
        )
        .select_from(*spanning.tables)
        .where(Call.project_id == project_id, *spanning.conditions)
        .where(*conditions(project_id, filters))
        .subquery("each_call")
    )


@dataclass(frozen=True)
class Spanning:
    """How rows get their span number: the expression, the tables and conditions it needs."""

    number: ColumnElement[Any]
    tables: list[Any]
    conditions: list[ColumnElement[bool]]


def spanned(dialect: str, spans: Sequence[Span], started_at: Any) -> Spanning:
    """PostgreSQL: ``width_bucket`` over the spans' boundaries, inside one plain range, so the
    planner estimates the rows from the index's statistics (a join to a table of spans by range
    is estimated at a ninth of the table per span, and drew a hash join over every session).
    SQLite: the spans as a table joined by range, one index range per span."""
    start, end = spans[0].start, spans[-1].end
    if dialect == "postgresql":
        bounds = [naive(span.start) for span in spans] + [naive(end)]
        edges = bindparam("span_bounds", bounds, type_=postgresql.ARRAY(TIMESTAMP))
        number = func.width_bucket(started_at, edges) - 1
        return Spanning(number, [started_at.table], [started_at >= start, started_at < end])
    table = span_table(spans, dialect)
    conditions = [started_at >= table.c.start_at, started_at < table.c.end_at]
    return Spanning(table.c.number, [table, started_at.table], conditions)


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def call_sums(columns: Any) -> list[ColumnElement[Any]]:
    answered = columns.disposition == "answered"
    return [
        func.count(),
        count_where(answered),
        count_where(and_(columns.disposition.is_not(None), columns.disposition != "answered")),
        count_where(columns.is_first_call.is_(True)),
        func.count(columns.caller.distinct()),
        func.sum(columns.wait_seconds),
        func.count(columns.wait_seconds),
        func.sum(case((answered, columns.talk_seconds))),
        func.count(case((answered, columns.talk_seconds))),
    ]


def count_where(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def session_counts(
    db: Session, project_id: int, spans: Sequence[Span], grouping: Grouping | None
) -> dict[Key, int]:
    """Sessions started per span and group (grouping None or by a call's field: per span)."""
    query = session_counts_query(db.get_bind().dialect.name, project_id, spans, grouping)
    return {(number, group): int(count) for number, group, count in db.execute(query)}


def session_counts_query(
    dialect: str, project_id: int, spans: Sequence[Span], grouping: Grouping | None
) -> Select[Any]:
    spanning = spanned(dialect, spans, WebSession.started_at)
    per_group = grouping is not None and grouping.counts_sessions
    key = grouping.session_key(dialect) if grouping and per_group else null()
    each = (
        select(spanning.number.label("number"), key.label("group_key"))
        .select_from(*spanning.tables)
        .where(WebSession.project_id == project_id, *spanning.conditions)
        .subquery("each_session")
    )
    group_key = each.c.group_key if per_group else null()
    counted = func.count().label("sessions")
    return select(each.c.number, group_key.label("group_key"), counted).group_by(
        each.c.number, *([each.c.group_key] if per_group else [])
    )


def has_activity(db: Session, project_id: int) -> bool:
    """Has the project ever had a visit or a call (else the pages say how to get some)?"""
    call = select(Call.id).where(Call.project_id == project_id).limit(1)
    visit = select(WebSession.id).where(WebSession.project_id == project_id).limit(1)
    return db.scalar(call) is not None or db.scalar(visit) is not None
