"""The retry schedule of docs/design.md §6, its jitter, and Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from dialtrail.webhooks.retry import SCHEDULE, next_attempt_at, parse_retry_after

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
