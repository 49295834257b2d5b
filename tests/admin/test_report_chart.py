"""The Reports chart's geometry: the largest groups in colour, the rest as "Other", bars that
stack to each interval's total under a scale that holds the highest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dialtrail.admin.report_chart import OTHER, SERIES, nice_top, scale_y, stacked_chart
from dialtrail.calls.filters import CallFilters
from dialtrail.reports.figures import Counts, figures
from dialtrail.reports.groupings import Grouping
from dialtrail.reports.periods import Period, Span
from dialtrail.reports.report import GroupRow, IntervalRow, Report, ReportRequest

pytestmark = pytest.mark.storage_agnostic


def a_report(calls_per_group: list[int], days: int = 3) -> Report:
    request = ReportRequest(
        1, "UTC", Period(date(2026, 11, 1), date(2026, 11, days)), "day",
        Grouping("campaign"), CallFilters(), compare=False,
    )  # fmt: skip
    keys = [f"campaign-{index}" for index in range(len(calls_per_group))]
    groups = [
        GroupRow(key, figures(Counts(calls=calls * days)), None)
        for key, calls in zip(keys, calls_per_group, strict=True)
    ]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    intervals = [
        IntervalRow(
            Span(
                date(2026, 11, 1 + day),
                start + timedelta(days=day),
                start + timedelta(days=day + 1),
            ),
            figures(Counts(calls=sum(calls_per_group))),
            [
                (key, figures(Counts(calls=calls)))
                for key, calls in zip(keys, calls_per_group, strict=True)
            ],
        )
        for day in range(days)
    ]
    return Report(
        request, None, figures(Counts(calls=sum(calls_per_group) * days)), None, groups, intervals
    )


def test_groups_beyond_the_largest_stack_as_other() -> None:
    chart = stacked_chart(a_report([9, 8, 7, 6, 5, 4, 3, 2, 1]))

    assert [series.label for series in chart.series] == [
        *(f"campaign-{index}" for index in range(SERIES)),
        OTHER,
    ]
    assert chart.rows[0].calls == [9, 8, 7, 6, 5, 4, 3 + 2 + 1]
    assert chart.rows[0].total == 45


def test_each_bar_stacks_to_its_total_under_the_scale() -> None:
    chart = stacked_chart(a_report([3, 2]))

    first_day = [piece for piece in chart.pieces if piece.title.startswith("1 Nov")]
    assert [piece.title for piece in first_day] == [
        "1 Nov: campaign-0, 3 calls",
        "1 Nov: campaign-1, 2 calls",
    ]
    assert first_day[0].y + first_day[0].height == pytest.approx(chart.baseline)
    assert first_day[1].y == pytest.approx(scale_y(5, nice_top(5)))
    assert [tick.text for tick in chart.y_labels] == ["0", "2", "5"]


@pytest.mark.parametrize(
    ("highest", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (450, 500)]
)
def test_the_scale_ends_at_a_round_number_above_the_highest_bar(highest: int, top: int) -> None:
    assert nice_top(highest) == top


def test_a_long_period_labels_at_most_eight_intervals() -> None:
    chart = stacked_chart(a_report([1], days=30))

    assert len(chart.x_labels) <= 8
    assert chart.x_labels[0].text == "1 Nov"
