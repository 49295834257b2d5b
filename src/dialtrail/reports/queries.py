"""The report's sums, read in a few grouped queries.

Each query joins a small table of the report's spans (``VALUES``: number, start, end in UTC)
to the calls by their start, so the database walks ``ix_calls_project_started`` once per span
and sums per span and group; time zones and DST are settled in Python (periods.py) before
the query, identically on SQLite and PostgreSQL. Sessions are counted the same way from
``ix_sessions_project_started_channel``. ARCHITECTURE.md ("Reports") explains the plan.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
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
    table = span_table(spans, dialect)
    key = grouping.call_key(dialect) if grouping else null()
    per_group = [key] if grouping else []  # PostgreSQL refuses GROUP BY NULL
    query: Select[Any] = (
        select(table.c.number, key.label("group_key"), *call_sums())
        .select_from(table)
        .join(
            Call,
            and_(
                Call.project_id == project_id,
                Call.started_at >= table.c.start_at,
                Call.started_at < table.c.end_at,
            ),
        )
        .where(*conditions(project_id, filters))
        .group_by(table.c.number, *per_group)
    )
    if grouping is not None and grouping.counts_sessions:
        query = query.outerjoin(WebSession, WebSession.id == Call.session_id)
    return query


def call_sums() -> list[ColumnElement[Any]]:
    answered = Call.disposition == "answered"
    return [
        func.count(),
        count_where(answered),
        count_where(and_(Call.disposition.is_not(None), Call.disposition != "answered")),
        count_where(Call.is_first_call.is_(True)),
        func.count(Call.caller.distinct()),
        func.sum(Call.wait_seconds),
        func.count(Call.wait_seconds),
        func.sum(case((answered, Call.talk_seconds))),
        func.count(case((answered, Call.talk_seconds))),
    ]


def count_where(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def session_counts(
    db: Session, project_id: int, spans: Sequence[Span], grouping: Grouping | None
) -> dict[Key, int]:
    """Sessions started per span and group (grouping None or by a call's field: per span)."""
    dialect = db.get_bind().dialect.name
    table = span_table(spans, dialect)
    per_group = grouping is not None and grouping.counts_sessions
    key = grouping.session_key(dialect) if grouping and per_group else null()
    query: Select[Any] = (
        select(table.c.number, key.label("group_key"), func.count())
        .select_from(table)
        .join(
            WebSession,
            and_(
                WebSession.project_id == project_id,
                WebSession.started_at >= table.c.start_at,
                WebSession.started_at < table.c.end_at,
            ),
        )
        .group_by(table.c.number, *([key] if per_group else []))
    )
    return {(row[0], row[1]): int(row[2]) for row in db.execute(query)}


def has_activity(db: Session, project_id: int) -> bool:
    """Has the project ever had a visit or a call (else the pages say how to get some)?"""
    call = select(Call.id).where(Call.project_id == project_id).limit(1)
    visit = select(WebSession.id).where(WebSession.project_id == project_id).limit(1)
    return db.scalar(call) is not None or db.scalar(visit) is not None
