"""The report's sums, read in a few grouped queries.

Each query joins a small table of the report's spans (``VALUES``: number, start, end in UTC)
to the calls by their start, so the database walks ``ix_calls_project_started`` once per span
and sums per span and group; time zones and DST are settled in Python (periods.py) before
the query, identically on SQLite and PostgreSQL. Sessions are counted the same way from
``ix_sessions_project_started_channel``. ARCHITECTURE.md ("Reports") explains the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    column,
    func,
    null,
    select,
    values,
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


def span_table(spans: Sequence[Span]) -> CTE:
    """``WITH spans (number, start_at, end_at) AS (VALUES …)``: SQLite takes VALUES only in a
    common table expression, PostgreSQL anywhere."""
    table = values(
        column("number", Integer),
        column("start_at", UTCDateTime),
        column("end_at", UTCDateTime),
        name="spans",
    )
    rows = [(number, span.start, span.end) for number, span in enumerate(spans)]
    return table.data(rows).cte("spans")


def call_counts(
    db: Session,
    project_id: int,
    filters: CallFilters,
    spans: Sequence[Span],
    grouping: Grouping | None,
) -> dict[Key, Counts]:
    """Per span and group (``grouping`` None: per span only, the key None)."""
    dialect = db.get_bind().dialect.name
    table = span_table(spans)
    key = grouping.call_key(dialect) if grouping else null()
    per_group = [key] if grouping else []  # PostgreSQL refuses GROUP BY NULL
    query = (
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
    rows = db.execute(query)
    return {(row[0], row[1]): Counts(*(int(value or 0) for value in row[2:])) for row in rows}


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
    table = span_table(spans)
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
