"""A calls report put together: its spans, the sums of queries.py per span and group, the
previous period's, and every figure derived (docs/reports.md)."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from dialtrail.calls.filters import CallFilters
from dialtrail.reports import queries, rolled, rollup
from dialtrail.reports.figures import Counts, Figures, figures
from dialtrail.reports.groupings import Grouping
from dialtrail.reports.periods import Interval, Period, Span, spans, whole
from dialtrail.reports.queries import Key


@dataclass(frozen=True)
class ReportRequest:
    project_id: int
    timezone: str
    period: Period
    interval: Interval
    grouping: Grouping
    filters: CallFilters  # without a time range: the period is the range
    compare: bool


@dataclass(frozen=True)
class GroupRow:
    key: str | None  # None: calls without the value (no visit, no campaign, …)
    figures: Figures
    previous: Figures | None


@dataclass(frozen=True)
class IntervalRow:
    span: Span
    total: Figures
    groups: list[tuple[str | None, Figures]]  # the groups with calls or sessions in the span


@dataclass(frozen=True)
class Report:
    request: ReportRequest
    previous_period: Period | None
    totals: Figures
    previous_totals: Figures | None
    groups: list[GroupRow]
    intervals: list[IntervalRow]


@dataclass(frozen=True)
class Summed:
    """One span list's sums: per (span, group), per span, per group over all spans."""

    by_span_and_group: dict[tuple[int, str | None], Counts]
    by_span: dict[int, Counts]
    by_group: dict[str | None, Counts]
    total: Counts


@dataclass(frozen=True)
class Reader:
    """Where the sums come from: the per-day rollups, or the raw rows (a filtered report)."""

    call_counts: Callable[
        [Session, int, CallFilters, Sequence[Span], Grouping | None], dict[Key, Counts]
    ]
    session_counts: Callable[[Session, int, Sequence[Span], Grouping | None], dict[Key, int]]
    # A whole period's call sums per group and in total (span 0): one read of the callers
    # can answer both.
    per_group_and_total: Callable[
        [Session, int, CallFilters, Span, Grouping], tuple[dict[Key, Counts], dict[Key, Counts]]
    ]


def raw_per_group_and_total(
    db: Session, project_id: int, filters: CallFilters, span: Span, grouping: Grouping
) -> tuple[dict[Key, Counts], dict[Key, Counts]]:
    return (
        queries.call_counts(db, project_id, filters, [span], grouping),
        queries.call_counts(db, project_id, filters, [span], None),
    )


RAW = Reader(queries.call_counts, queries.session_counts, raw_per_group_and_total)
ROLLUP = Reader(rolled.call_counts, rolled.session_counts, rolled.per_group_and_total)


def build(db: Session, request: ReportRequest) -> Report:
    with no_cycle_collection():
        return assembled(db, request)


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """A year of days by campaign makes some 300,000 small objects that all live until the
    response: the cyclic collector walked them again and again (a third of the report's CPU)
    and freed none (they hold no cycles; reference counting frees them). Paused, not skipped:
    it runs again after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def assembled(db: Session, request: ReportRequest) -> Report:
    zone = ZoneInfo(request.timezone)
    report_spans = spans(request.period, request.interval, zone)
    previous_period = request.period.previous() if request.compare else None
    reader = prepared(db, request, previous_period)
    current = summed(db, reader, request, report_spans, zone)
    previous = summed(db, reader, request, [], zone, previous_period) if previous_period else None
    keys = ordered_keys(current.by_group)
    return Report(
        request=request,
        previous_period=previous_period,
        totals=figures(current.total),
        previous_totals=figures(previous.total) if previous else None,
        groups=[group_row(key, current, previous) for key in keys],
        intervals=interval_rows(current, report_spans, keys),
    )


def prepared(db: Session, request: ReportRequest, previous: Period | None) -> Reader:
    """The rollups, refreshed and committed (a refresh is work worth keeping, and releases
    PostgreSQL's advisory lock), unless the report is filtered."""
    if not rollup.usable(request.filters):
        return RAW
    periods = [request.period, *([previous] if previous else [])]
    groupings = [request.grouping, None]
    rollup.refresh(db, request.project_id, request.timezone, groupings, periods)
    db.commit()
    return ROLLUP


def summed(
    db: Session,
    reader: Reader,
    request: ReportRequest,
    report_spans: list[Span],
    zone: ZoneInfo,
    period: Period | None = None,
) -> Summed:
    """The sums over ``report_spans`` (the whole period's per-group call sums read in one span
    of their own: unique callers do not add up across spans). With no spans: only the period's
    per-group sums and total (the previous period). Sessions do add up: they are counted once,
    per span and group, and every other sum of them is added here."""
    period = period or request.period
    overall = [whole(period, zone)]
    project, filters, grouping = request.project_id, request.filters, request.grouping
    sessions = reader.session_counts(db, project, report_spans or overall, grouping)
    per_group, in_total = reader.per_group_and_total(db, project, filters, overall[0], grouping)
    by_group = with_sessions(per_group, added(sessions, per_span=False), grouping.counts_sessions)
    total = with_sessions(in_total, {(0, None): sum(sessions.values())}, counts_sessions=True)
    by_span_and_group: dict[tuple[int, str | None], Counts] = {}
    by_span: dict[int, Counts] = {}
    if report_spans:
        by_span_and_group = with_sessions(
            reader.call_counts(db, project, filters, report_spans, grouping),
            sessions,
            grouping.counts_sessions,
        )
        by_span_keys = with_sessions(
            reader.call_counts(db, project, filters, report_spans, None),
            added(sessions, per_span=True),
            counts_sessions=True,
        )
        by_span = {number: counts for (number, _), counts in by_span_keys.items()}
    return Summed(
        by_span_and_group,
        by_span,
        {key: counts for (_, key), counts in by_group.items()},
        total.get((0, None), Counts(sessions=0)),
    )


def added(
    sessions: dict[tuple[int, str | None], int], *, per_span: bool
) -> dict[tuple[int, str | None], int]:
    """Per span (over groups), or per group (over spans, as span 0)."""
    sums: dict[tuple[int, str | None], int] = defaultdict(int)
    for (number, key), count in sessions.items():
        sums[(number, None) if per_span else (0, key)] += count
    return dict(sums)


def with_sessions(
    calls: dict[tuple[int, str | None], Counts],
    sessions: dict[tuple[int, str | None], int],
    counts_sessions: bool,
) -> dict[tuple[int, str | None], Counts]:
    """Each key's call counts with its sessions; a key with sessions and no calls too."""
    if not counts_sessions:
        return calls
    merged = {key: only_sessions(number) for key, number in sessions.items()}
    for key, counts in calls.items():
        merged[key] = with_visits(counts, sessions.get(key, 0))
    return merged


def with_visits(counts: Counts, sessions: int) -> Counts:
    """``replace(counts, sessions=…)``, without its generic cost per cell."""
    return Counts(
        counts.calls, counts.answered, counts.missed, counts.first_time_callers,
        counts.unique_callers, counts.wait_seconds, counts.waits, counts.talk_seconds,
        counts.talks, sessions,
    )  # fmt: skip


@lru_cache(maxsize=4096)
def only_sessions(number: int) -> Counts:
    """A cell with visits and no calls (most of a year of days by campaign): one value each."""
    return Counts(sessions=number)


def ordered_keys(by_group: dict[str | None, Counts]) -> list[str | None]:
    """Most calls first, then most sessions, then by name; calls without the value last."""
    return sorted(
        by_group,
        key=lambda key: (
            key is None,
            -by_group[key].calls,
            -(by_group[key].sessions or 0),
            key or "",
        ),
    )


def group_row(key: str | None, current: Summed, previous: Summed | None) -> GroupRow:
    before = None
    if previous is not None:
        before = figures(previous.by_group.get(key, empty_like(current.by_group[key])))
    return GroupRow(key, figures(current.by_group[key]), before)


def empty_like(counts: Counts) -> Counts:
    return Counts(sessions=None if counts.sessions is None else 0)


def interval_rows(
    current: Summed, report_spans: list[Span], keys: list[str | None]
) -> list[IntervalRow]:
    """Each span's groups in the order of ``keys``, walking the cells found rather than every
    key in every span."""
    order = {key: index for index, key in enumerate(keys)}
    found: dict[int, list[tuple[int, str | None, Counts]]] = defaultdict(list)
    for (number, key), counts in current.by_span_and_group.items():
        found[number].append((order[key], key, counts))
    return [
        IntervalRow(
            span,
            figures(current.by_span.get(number, Counts(sessions=0))),
            [(key, cell_figures(counts)) for _, key, counts in sorted(found[number], key=first)],
        )
        for number, span in enumerate(report_spans)
    ]


def first(cell: tuple[int, str | None, Counts]) -> int:
    return cell[0]


@lru_cache(maxsize=4096)
def cell_figures(counts: Counts) -> Figures:
    """Figures are a function of their counts, and most cells of a long report by day are
    visits without calls, of a few counts: computed once each."""
    return figures(counts)


FIGURE_NAMES = tuple(field.name for field in fields(Figures))
