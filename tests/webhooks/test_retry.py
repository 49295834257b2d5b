"""The retry schedule of docs/design.md §6, its jitter, Retry-After, and a failed Retry now."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from dialtrail.webhooks.models import WebhookDelivery
from dialtrail.webhooks.retry import SCHEDULE, after_failure, next_attempt_at, parse_retry_after

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
PLANNED = [5, 300, 1800, 7200, 18000, 36000, 36000]


def test_it_follows_the_schedule_within_ten_percent_then_gives_up() -> None:
    rng = random.Random(7)
    for attempts, seconds in enumerate(PLANNED, start=1):
        delay = (next_attempt_at(attempts, NOW, rng=rng) - NOW).total_seconds()  # type: ignore[operator]
        assert seconds * 0.9 <= delay <= seconds * 1.1
    assert len(SCHEDULE) == 7
    assert next_attempt_at(8, NOW) is None


def test_jitter_spreads_retries() -> None:
    rng = random.Random(1)
    delays = {next_attempt_at(2, NOW, rng=rng) for _ in range(20)}
    assert len(delays) > 1


def test_retry_after_postpones_but_never_beyond_ten_hours() -> None:
    later = next_attempt_at(1, NOW, timedelta(minutes=2), random.Random(3))
    capped = next_attempt_at(1, NOW, timedelta(days=3), random.Random(3))
    assert later == NOW + timedelta(minutes=2)
    assert capped == NOW + timedelta(hours=10)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("120", NOW) == timedelta(seconds=120)
    assert parse_retry_after("Fri, 27 Nov 2026 10:05:00 GMT", NOW) == timedelta(minutes=5)
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def failed_retry_now(planned: datetime | None, attempts: int = 3) -> WebhookDelivery:
    """A delivery whose ``attempts``-th attempt just failed; a Retry now planned ``planned``."""
    return WebhookDelivery(attempts=attempts, unscheduled_attempts=0, retry_planned_at=planned)


def test_a_failed_retry_now_goes_back_to_the_planned_try_outside_the_schedule() -> None:
    planned = NOW + timedelta(hours=2)
    delivery = failed_retry_now(planned)

    assert after_failure(delivery, NOW, None) == planned
    assert (delivery.unscheduled_attempts, delivery.retry_planned_at) == (1, None)
    # The next failure is the schedule's third step (30 min), as if no retry now was made.
    delivery.attempts += 1
    delay = after_failure(delivery, planned, None) - planned  # type: ignore[operator]
    assert timedelta(minutes=27) <= delay <= timedelta(minutes=33)


def test_a_failed_retry_now_honours_retry_after_beyond_the_planned_try() -> None:
    delivery = failed_retry_now(NOW + timedelta(minutes=5))
    assert after_failure(delivery, NOW, timedelta(hours=1)) == NOW + timedelta(hours=1)


def test_a_retry_now_whose_planned_try_came_meanwhile_counts_as_that_try() -> None:
    delivery = failed_retry_now(NOW - timedelta(seconds=1), attempts=2)
    delay = after_failure(delivery, NOW, None) - NOW  # type: ignore[operator]
    assert timedelta(minutes=4.5) <= delay <= timedelta(minutes=5.5)  # the second step
    assert delivery.unscheduled_attempts == 0
