"""Report periods: whole days in the project's time zone, cut into intervals (pure).

A report covers ``first_day`` to ``last_day`` inclusive, as a marketer says "1 to 30
November". Each day, week (Monday first) or month becomes an interval from its local midnight
to the next, in UTC: a day of a DST change lasts 23 or 25 hours, and a call belongs to the day
its local clock showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

Interval = Literal["day", "week", "month"]
INTERVALS: tuple[Interval, ...] = get_args(Interval)
MAX_INTERVALS = 1000  # a chart and a response of bounded size: almost three years of days


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date  # included

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        last = self.first_day - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last)


@dataclass(frozen=True)
class Span:
    """An interval of a report: its first local day, and its start and end as UTC instants."""

    first_day: date
    start: datetime
    end: datetime


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``day``'s local midnight (the first moment of the day, even where a
    DST change skips midnight itself)."""
    local = datetime.combine(day, time(), tzinfo=zone)
    return local.astimezone(UTC)


def whole(period: Period, zone: ZoneInfo) -> Span:
    return Span(period.first_day, midnight(period.first_day, zone), end_of(period, zone))


def end_of(period: Period, zone: ZoneInfo) -> datetime:
    return midnight(period.last_day + timedelta(days=1), zone)


def spans(period: Period, interval: Interval, zone: ZoneInfo) -> list[Span]:
    """The period's intervals in order; the first and last are cut to the period."""
    starts = interval_starts(period, interval)
    ends = [*starts[1:], period.last_day + timedelta(days=1)]
    return [
        Span(first, midnight(first, zone), midnight(after, zone))
        for first, after in zip(starts, ends, strict=True)
    ]


def interval_starts(period: Period, interval: Interval) -> list[date]:
    starts = [period.first_day]
    while (following := next_start(starts[-1], interval)) <= period.last_day:
        starts.append(following)
    return starts


def next_start(day: date, interval: Interval) -> date:
    if interval == "day":
        return day + timedelta(days=1)
    if interval == "week":
        return day + timedelta(days=7 - day.weekday())
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def count_intervals(period: Period, interval: Interval) -> int:
    """How many intervals ``spans`` would make, without making them (to refuse early)."""
    if interval == "day":
        return period.days
    if interval == "week":
        first_monday = period.first_day - timedelta(days=period.first_day.weekday())
        return (period.last_day - first_monday).days // 7 + 1
    months = (period.last_day.year - period.first_day.year) * 12
    return months + period.last_day.month - period.first_day.month + 1


def last_days(today: date, days: int) -> Period:
    """The ``days`` days up to and including today."""
    return Period(today - timedelta(days=days - 1), today)
