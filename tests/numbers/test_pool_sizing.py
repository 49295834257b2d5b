"""The recommended pool size and the accuracy to expect at a size (numbers/usage.py), as pure
functions: the formula benchmarks/attribution.py validated (docs/numbers.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialtrail.numbers.usage import (
    MEASURED_ACCURACY,
    Hour,
    Usage,
    expected_accuracy,
    recommended_size,
)

pytestmark = pytest.mark.storage_agnostic
HOUR = datetime(2026, 11, 2, 14, tzinfo=UTC)


def test_it_adds_the_numbers_that_rest_through_the_late_window_and_headroom() -> None:
    # 28 at once; 150 new leases an hour rest 75 numbers through 30 minutes; 103 + 11.
    assert recommended_size(28, 150, 1800) == 114
    # A 10-minute window needs a third of the resting numbers: 28 + 25, and 6 more.
    assert recommended_size(28, 150, 600) == 59


def test_a_small_pool_still_gets_two_numbers_of_headroom() -> None:
    assert recommended_size(1, 1, 1800) == 4  # 1 + 1 resting + 2


def test_the_busiest_hours_leases_size_the_resting_numbers() -> None:
    quiet = Hour(HOUR.replace(hour=4), 2, 40, 0)
    busy = Hour(HOUR, 9, 40, 0)
    usage = Usage(pool_size=40, current_leases=0, hours=[busy, quiet], busiest_hour_leases=30)

    assert usage.busiest_hour == busy
    assert usage.recommended_pool_size == recommended_size(9, 30, 1800)


def test_the_expected_accuracy_follows_the_measured_points_and_between_them() -> None:
    (low, low_share), (high, high_share) = MEASURED_ACCURACY[1], MEASURED_ACCURACY[2]

    assert expected_accuracy(low) == pytest.approx(low_share)
    assert expected_accuracy((low + high) / 2) == pytest.approx((low_share + high_share) / 2)
    assert expected_accuracy(0.0) == 0.0
    assert expected_accuracy(10.0) == MEASURED_ACCURACY[-1][1]


def test_it_expects_at_least_99_percent_at_the_recommended_size() -> None:
    assert expected_accuracy(1.0) >= 0.99
