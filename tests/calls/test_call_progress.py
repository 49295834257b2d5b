"""A call's times, durations and disposition, rebuilt from its events in any order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations
from typing import Any

from dialtrail.calls.events import TelephonyEvent
from dialtrail.calls.progress import progress

T = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def event(name: str, seconds: int, **fields: Any) -> TelephonyEvent:
    at = T + timedelta(seconds=seconds)
    return TelephonyEvent("api", 1, "c1", name, "+380671234567", "+380441112233", at, **fields)


def test_it_derives_wait_talk_and_duration_from_the_times() -> None:
    call = progress([event("started", 0), event("answered", 12), event("ended", 100)])

    assert (call.wait_seconds, call.talk_seconds, call.duration_seconds) == (12, 88, 100)
    assert call.disposition == "answered"


def test_it_gives_the_same_call_whatever_order_the_events_came_in() -> None:
    events = [event("started", 0), event("answered", 5), event("ended", 65)]

    results = {progress(list(order)) for order in permutations(events)}

    assert len(results) == 1


def test_it_completes_a_call_from_an_ended_event_alone() -> None:
    call = progress([event("ended", 100, duration_seconds=40, talk_seconds=30)])

    assert call.started_at == T + timedelta(seconds=60)
    assert (call.ended_at, call.duration_seconds, call.talk_seconds) == (
        T + timedelta(seconds=100),
        40,
        30,
    )
    assert call.disposition == "answered"  # it had talk time


def test_it_calls_an_unanswered_call_a_missed_one_unless_told_otherwise() -> None:
    missed = progress([event("started", 0), event("ended", 30)])
    busy = progress([event("started", 0), event("ended", 3, disposition="busy")])

    assert (missed.disposition, missed.talk_seconds, missed.wait_seconds) == ("no_answer", 0, 30)
    assert busy.disposition == "busy"


def test_it_keeps_what_the_provider_said_over_what_it_derives() -> None:
    call = progress(
        [event("started", 0), event("answered", 10), event("ended", 70, talk_seconds=55)]
    )

    assert (call.talk_seconds, call.duration_seconds) == (55, 70)


def test_it_never_derives_a_negative_duration_from_disagreeing_clocks() -> None:
    call = progress([event("started", 5), event("answered", 4), event("ended", 3)])

    assert (call.wait_seconds, call.talk_seconds, call.duration_seconds) == (0, 0, 0)


def test_without_an_answer_time_the_wait_is_the_call_less_its_talk() -> None:
    call = progress([event("ended", 95, duration_seconds=95, talk_seconds=80)])

    assert (call.wait_seconds, call.talk_seconds, call.duration_seconds) == (15, 80, 95)
    assert call.answered_at is None


def test_a_call_lasts_at_least_its_ringing_and_talk() -> None:
    talk_only = progress([event("ended", 60, talk_seconds=40)])
    answered = progress([event("answered", 10), event("ended", 20, talk_seconds=30)])

    assert (talk_only.duration_seconds, talk_only.wait_seconds) == (40, 0)
    assert answered.duration_seconds >= (answered.wait_seconds or 0) + 30  # type: ignore[operator]
