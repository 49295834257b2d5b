"""Reading the per-day rollups (reports/rollup.py keeps them exact): the sums of
reports/queries.py's ``call_counts`` and ``session_counts``, in the same shapes.

The calls' sums come from ``report_call_sums`` (a row per day and group). Unique callers do
not add up across days: a span of one day has them in that row; a longer span (a week, a
month, the whole period) counts the distinct callers of its ``report_call_days`` rows, one per
day, group and caller, the only read that grows with the calls rather than with the days.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import Date, Integer, String, bindparam, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from dialtrail.calls.filters import CallFilters
from dialtrail.reports.figures import Counts
from dialtrail.reports.groupings import Grouping
from dialtrail.reports.models import CallDay, CallSum, SessionDay
from dialtrail.reports.periods import Span
from dialtrail.reports.queries import Key, Spanning
from dialtrail.reports.rollup import dimension, usable


def call_counts(
    db: Session,
    project_id: int,
    filters: CallFilters,
    report_spans: Sequence[Span],
    grouping: Grouping | None,
) -> dict[Key, Counts]:
    assert usable(filters), "the rollups have no filters"
    dialect = db.get_bind().dialect.name
    counts = summed(db, call_sums_query(dialect, project_id, report_spans, grouping))
    if all(one_day(span) for span in report_spans):
        return counts
    query = unique_callers_query(dialect, project_id, report_spans, grouping)
    callers: dict[Key, int] = {(number, key): count for number, key, count in db.execute(query)}
    return with_callers(counts, callers)


def per_group_and_total(
    db: Session, project_id: int, filters: CallFilters, span: Span, grouping: Grouping
) -> tuple[dict[Key, Counts], dict[Key, Counts]]:
    """A whole span's sums per group and in total. PostgreSQL counts both kinds of unique
    callers in one read of the group's rows per caller (``ROLLUP``: each call is in exactly one
    group, so the callers of all groups are the total's); SQLite reads them twice."""
    dialect = db.get_bind().dialect.name
    if dialect != "postgresql":
        return (
            call_counts(db, project_id, filters, [span], grouping),
            call_counts(db, project_id, filters, [span], None),
        )
    per_group = summed(db, call_sums_query(dialect, project_id, [span], grouping))
    in_total = summed(db, call_sums_query(dialect, project_id, [span], None))
    # Two dicts: the total's key and the key of the calls without a value are both (0, None).
    callers: tuple[dict[Key, int], dict[Key, int]] = ({}, {})
    for key, is_total, count in db.execute(rolled_up_callers_query(project_id, span, grouping)):
        callers[is_total][(0, key)] = count
    return with_callers(per_group, callers[0]), with_callers(in_total, callers[1])


def summed(db: Session, query: Any) -> dict[Key, Counts]:
    return {
        (row[0], row[1]): Counts(*(int(value or 0) for value in row[2:]))
        for row in db.execute(query)
    }


def with_callers(counts: dict[Key, Counts], callers: dict[Key, int]) -> dict[Key, Counts]:
    return {
        key: replace(counted, unique_callers=callers.get(key, 0)) for key, counted in counts.items()
    }


def call_sums_query(
    dialect: str, project_id: int, report_spans: Sequence[Span], grouping: Grouping | None
) -> Any:
    """Per span and group, from the day's sums (the callers: right for spans of one day)."""
    spanning = day_spanning(dialect, report_spans, CallSum.day)
    return (
        select(
            spanning.number,
            CallSum.group_key,
            *(func.sum(getattr(CallSum, name)) for name in SUM_COLUMNS),
        )
        .select_from(*spanning.tables)
        .where(CallSum.project_id == project_id, CallSum.dimension == dimension(grouping))
        .where(*spanning.conditions)
        .group_by(spanning.number, CallSum.group_key)
    )


# In the order of Counts' fields (the day's callers standing for unique callers).
SUM_COLUMNS = (
    "calls", "answered", "missed", "first_time_callers", "callers", "wait_seconds", "waits",
    "talk_seconds", "talks",
)  # fmt: skip


def unique_callers_query(
    dialect: str, project_id: int, report_spans: Sequence[Span], grouping: Grouping | None
) -> Any:
    """Distinct callers per span and group, over the rows per day, group and caller. On
    PostgreSQL the group and caller are compared bytewise (``COLLATE "C"``: the same equality,
    without sorting a million callers by the language's collation rules)."""
    spanning = day_spanning(dialect, report_spans, CallDay.day)
    group_key: Any = CallDay.group_key
    caller: Any = CallDay.caller
    if dialect == "postgresql":
        group_key, caller = group_key.collate("C"), caller.collate("C")
    each = (
        select(
            spanning.number.label("number"),
            group_key.label("group_key"),
            caller.label("caller"),
        )
        .select_from(*spanning.tables)
        .where(CallDay.project_id == project_id, CallDay.dimension == dimension(grouping))
        .where(*spanning.conditions)
        .subquery("each_caller")
    )
    counted = func.count(each.c.caller.distinct())
    return select(each.c.number, each.c.group_key, counted).group_by(
        each.c.number, each.c.group_key
    )


def rolled_up_callers_query(project_id: int, span: Span, grouping: Grouping) -> Any:
    """PostgreSQL: distinct callers per group of the span and, in the row ``ROLLUP`` adds
    (``grouping(…)`` 1), of all groups together."""
    each = (
        select(
            CallDay.group_key.collate("C").label("group_key"),
            CallDay.caller.collate("C").label("caller"),
        )
        .where(CallDay.project_id == project_id, CallDay.dimension == dimension(grouping))
        .where(CallDay.day >= span.first_day, CallDay.day < day_after(span))
        .subquery("each_caller")
    )
    return select(
        each.c.group_key, func.grouping(each.c.group_key), func.count(each.c.caller.distinct())
    ).group_by(func.rollup(each.c.group_key))


def one_day(span: Span) -> bool:
    return day_after(span) == span.first_day + timedelta(days=1)


def session_counts(
    db: Session, project_id: int, report_spans: Sequence[Span], grouping: Grouping | None
) -> dict[Key, int]:
    per_group = grouping if grouping is not None and grouping.counts_sessions else None
    spanning = day_spanning(db.get_bind().dialect.name, report_spans, SessionDay.day)
    query = (
        select(spanning.number, SessionDay.group_key, func.sum(SessionDay.sessions))
        .select_from(*spanning.tables)
        .where(SessionDay.project_id == project_id, SessionDay.dimension == dimension(per_group))
        .where(*spanning.conditions)
        .group_by(spanning.number, SessionDay.group_key)
    )
    return {(number, group): int(count) for number, group, count in db.execute(query)}


def day_spanning(dialect: str, report_spans: Sequence[Span], day: Any) -> Spanning:
    """As queries.spanned, over local days: PostgreSQL ``width_bucket`` over the spans' first
    days within one index range; SQLite the spans as a JSON table joined by range."""
    firsts = [span.first_day for span in report_spans]
    end = day_after(report_spans[-1])
    if dialect == "postgresql":
        edges = bindparam("span_days", [*firsts, end], type_=postgresql.ARRAY(Date))
        number = func.width_bucket(day, edges) - 1
        return Spanning(number, [day.table], [day >= firsts[0], day < end])
    table = day_table([*firsts, end])
    conditions = [day >= table.c.first_day, day < table.c.end_day]
    return Spanning(table.c.number, [table, day.table], conditions)


def day_after(span: Span) -> date:
    """The local day after a span of whole local days: its length rounded to days (a DST change
    moves it by an hour at most)."""
    return span.first_day + timedelta(days=round((span.end - span.start) / timedelta(days=1)))


def day_table(edges: list[date]) -> Any:
    """SQLite: ``day_spans (number, first_day, end_day)`` from one JSON parameter."""
    bounds = json.dumps(
        [[first.isoformat(), after.isoformat()] for first, after in pairwise(edges)]
    )
    rows = DAY_ROWS.bindparams(bindparam("day_spans", bounds, type_=String))
    return rows.columns(number=Integer, first_day=String, end_day=String).cte("day_spans")


DAY_ROWS = text(
    "SELECT CAST(key AS INTEGER) AS number, json_extract(value, '$[0]') AS first_day,"
    " json_extract(value, '$[1]') AS end_day FROM json_each(:day_spans)"
)
