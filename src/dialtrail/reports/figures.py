"""A report's figures for one group in one span (pure): the counts the database summed, and
what derives from them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Counts:
    """What the queries return: sums, so intervals and groups add up (unique callers apart:
    a caller who called in two intervals is one caller of the period, counted per span)."""

    calls: int = 0
    answered: int = 0
    missed: int = 0
    first_time_callers: int = 0
    unique_callers: int = 0
    wait_seconds: int = 0
    waits: int = 0  # calls with a wait time (answered, or ended)
    talk_seconds: int = 0
    talks: int = 0  # answered calls with a talk time
    sessions: int | None = None  # None: not counted per group (a grouping by the call's fields)


@dataclass(frozen=True)
class Figures:
    calls: int
    answered: int
    missed: int
    first_time_callers: int
    unique_callers: int
    average_wait_seconds: float | None
    average_talk_seconds: float | None
    sessions: int | None
    calls_per_100_sessions: float | None


def figures(counts: Counts) -> Figures:
    return Figures(
        calls=counts.calls,
        answered=counts.answered,
        missed=counts.missed,
        first_time_callers=counts.first_time_callers,
        unique_callers=counts.unique_callers,
        average_wait_seconds=average(counts.wait_seconds, counts.waits),
        average_talk_seconds=average(counts.talk_seconds, counts.talks),
        sessions=counts.sessions,
        calls_per_100_sessions=per_hundred(counts.calls, counts.sessions),
    )


def average(total: int, count: int) -> float | None:
    return round(total / count, 1) if count else None


def per_hundred(calls: int, sessions: int | None) -> float | None:
    if not sessions:
        return None
    return round(calls * 100 / sessions, 2)


def change(now: float | None, before: float | None) -> float | None:
    """The relative change, 0.25 for +25 %; None when there is nothing to compare with."""
    if now is None or not before:
        return None
    return round((now - before) / before, 4)
