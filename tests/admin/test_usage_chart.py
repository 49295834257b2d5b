"""The utilisation chart's geometry and the recommendation's sentence (pure functions)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from dialtrail.admin.usage_chart import (
    HEIGHT,
    LABEL_ROOM,
    PLOT_BOTTOM,
    PLOT_TOP,
    WIDTH,
    expectation,
    recommendation,
    usage_chart,
)
from dialtrail.numbers.usage import Hour, Usage, expected_accuracy

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
THIS_HOUR = NOW.replace(minute=0)


def usage(*hours: Hour, pool_size: int = 4, leases: int = 0) -> Usage:
    return Usage(
        pool_size=pool_size, current_leases=0, hours=list(hours), busiest_hour_leases=leases
    )


def hour(hours_ago: int, peak: int, pool: int = 4, exhaustions: int = 0) -> Hour:
    return Hour(THIS_HOUR - timedelta(hours=hours_ago), peak, pool, exhaustions)


def test_it_draws_one_bar_per_recorded_hour_scaled_to_the_larger_of_peak_and_pool() -> None:
    chart = usage_chart(usage(hour(3, 2), hour(0, 8, exhaustions=4)), NOW, 4, "UTC")

    assert [(bar.x, bar.y, bar.height) for bar in chart.bars] == [
        (0.0, PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) / 4, (PLOT_BOTTOM - PLOT_TOP) / 4),
        (540.0, PLOT_TOP, PLOT_BOTTOM - PLOT_TOP),
    ]
    assert chart.scale_top == 8
    assert [mark.x for mark in chart.exhaustion_marks] == [612.0]
    assert chart.exhaustion_marks[0].title == "Mon 05 Jan 09:00: the pool ran out 4 times"
    assert chart.height == HEIGHT


def test_hours_without_a_row_keep_the_pool_size_of_the_hour_before() -> None:
    chart = usage_chart(usage(hour(3, 1, pool=2), hour(1, 1, pool=4)), NOW, 4, "UTC")

    heights = [float(point.split(",")[1]) for point in chart.pool_line.split()]
    two, four = PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) / 2, PLOT_TOP
    assert heights == [two, two, two, two, four, four, four, four]


def test_tooltips_and_day_labels_are_in_the_projects_time_zone() -> None:
    kyiv = usage_chart(usage(hour(2, 1)), NOW, 48, "Europe/Kyiv")
    utc = usage_chart(usage(hour(2, 1)), NOW, 48, "UTC")

    assert kyiv.bars[0].title.startswith("Mon 05 Jan 09:00:")  # 07:00 UTC
    # 48 hours from 10:00 UTC on the 3rd, 15 units an hour: Kyiv's midnights come 2 hours early.
    assert [(label.x, label.text) for label in kyiv.labels] == [
        (180.0, "Sun 04 Jan"),
        (540.0, "Mon 05 Jan"),
    ]
    assert [label.x for label in utc.labels] == [210.0, 570.0]


def test_a_day_starting_too_near_the_right_edge_gets_no_clipped_label() -> None:
    # 72 hours to 04:00 on the 5th, 10 units an hour: the 5th starts 50 units from the edge.
    chart = usage_chart(usage(hour(2, 1)), NOW.replace(hour=4), 72, "UTC")

    assert [label.text for label in chart.labels] == ["Sat 03 Jan", "Sun 04 Jan"]
    assert all(label.x + LABEL_ROOM <= WIDTH for label in chart.labels)


def test_the_recommendation_gives_its_reason_and_the_accuracy_to_expect() -> None:
    # 10 at once and 40 new leases in the hour: 20 numbers rest through the 30-minute late
    # window; 30 needed, and 3 more of headroom.
    busy = usage(hour(2, 10, exhaustions=3), pool_size=8, leases=40)
    calm = usage(hour(2, 1), pool_size=4, leases=1)

    assert recommendation(busy, 7) == (
        "Recommended pool size: 33 — the busiest hour of the last 7 days had 10 sessions "
        "holding a number at once and 40 new ones taking one, and the pool ran out 3 times; 33 "
        "lets each released number rest through the 30-minute late-call window and leaves "
        "room for a busier hour (you have 8: add 25)."
    )
    assert expectation(busy) == (
        f"At 8 numbers, expect about {math.floor(expected_accuracy(8 / 33) * 100)} % of calls "
        "attributed to their visit (measured by simulation at this traffic); the others are "
        "flagged ambiguous, never given to the wrong visit."
    )
    assert recommendation(calm, 7).endswith("(you have 4: keep it).")
    assert expectation(usage()) is None
    assert recommendation(usage(), 7).startswith("No recommendation yet: no session held")
