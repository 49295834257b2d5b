"""The Reports page's chart: calls per interval, stacked by group, as geometry for an inline
SVG the template draws (no script, no inline style: the admin's CSP allows neither; colours are
classes ``series-N`` in admin.css).

The largest groups get a series each; the rest are stacked as one "Other" series, so the chart
stays readable with hundreds of campaigns. Every bar piece carries its figures as a ``<title>``
(the tooltip, and what a screen reader reads), and the same numbers go to the table under the
chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dialtrail.reports.report import IntervalRow, Report

WIDTH = 720
HEIGHT = 240
PLOT_LEFT = 40  # left of it: the scale's numbers
PLOT_RIGHT = WIDTH - 8
PLOT_TOP = 12
PLOT_BOTTOM = 206  # below: the interval labels
SERIES = 6  # groups with a colour of their own; the rest are "Other"
MAX_LABELS = 8
OTHER = "Other"


@dataclass(frozen=True)
class Piece:
    x: float
    y: float
    width: float
    height: float
    series: int  # the colour class: series-0 … series-6
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Series:
    number: int
    label: str


@dataclass(frozen=True)
class TableRow:
    label: str  # the interval
    calls: list[int]  # per series
    total: int


@dataclass(frozen=True)
class StackedChart:
    width: int
    height: int
    pieces: list[Piece]
    series: list[Series]
    x_labels: list[Tick]
    y_labels: list[Tick]
    gridlines: list[float]  # y of each scale line
    baseline: int
    left: int
    right: int
    rows: list[TableRow]  # the table fallback
    total: int


def group_label(key: str | None) -> str:
    """How the page names a group: its value as text, or "(none)" for calls without one."""
    return "(none)" if key is None else key


def interval_label(first_day: date, interval: str) -> str:
    if interval == "month":
        return first_day.strftime("%b %Y")
    return f"{first_day.day} {first_day.strftime('%b')}"


def stacked_chart(report: Report) -> StackedChart:
    keys = [row.key for row in report.groups if row.figures.calls > 0]
    shown, rest = keys[:SERIES], set(keys[SERIES:])
    series = [Series(number, group_label(key)) for number, key in enumerate(shown)]
    if rest:
        series.append(Series(SERIES, OTHER))
    interval = report.request.interval
    rows = [table_row(row, shown, rest, interval) for row in report.intervals]
    top = nice_top(max((row.total for row in rows), default=0))
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(1, len(rows))
    return StackedChart(
        width=WIDTH,
        height=HEIGHT,
        pieces=[
            piece
            for index, row in enumerate(rows)
            for piece in pieces(index, row, series, slot, top)
        ],
        series=series,
        x_labels=x_labels(rows, slot),
        y_labels=[Tick(PLOT_LEFT - 6, scale_y(value, top) + 4, str(value)) for value in scale(top)],
        gridlines=[scale_y(value, top) for value in scale(top)],
        baseline=PLOT_BOTTOM,
        left=PLOT_LEFT,
        right=PLOT_RIGHT,
        rows=rows,
        total=sum(row.total for row in rows),
    )


def table_row(
    row: IntervalRow, shown: list[str | None], rest: set[str | None], interval: str
) -> TableRow:
    calls = dict((key, figures.calls) for key, figures in row.groups)
    per_series = [calls.get(key, 0) for key in shown]
    if rest:
        per_series.append(sum(calls.get(key, 0) for key in rest))
    return TableRow(interval_label(row.span.first_day, interval), per_series, row.total.calls)


def pieces(index: int, row: TableRow, series: list[Series], slot: float, top: int) -> list[Piece]:
    found = []
    below = 0
    x = PLOT_LEFT + index * slot + slot * 0.1
    for each, calls in zip(series, row.calls, strict=True):
        if calls == 0:
            continue
        y = scale_y(below + calls, top)
        height = scale_y(below, top) - y
        title = f"{row.label}: {each.label}, {calls} call{'s' if calls != 1 else ''}"
        found.append(
            Piece(
                round(x, 2), round(y, 2), round(slot * 0.8, 2), round(height, 2), each.number, title
            )
        )
        below += calls
    return found


def scale_y(value: float, top: int) -> float:
    return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * value / top, 2)


def nice_top(highest: int) -> int:
    """The scale's top: 1, 2 or 5 times a power of ten, at least the highest bar."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= highest:
                return max(1, step * factor)
        step *= 10


def scale(top: int) -> list[int]:
    return sorted({0, top // 2, top}) if top > 1 else [0, top]


def x_labels(rows: list[TableRow], slot: float) -> list[Tick]:
    every = max(1, -(-len(rows) // MAX_LABELS))
    return [
        Tick(round(PLOT_LEFT + index * slot + slot / 2, 2), HEIGHT - 14, row.label)
        for index, row in enumerate(rows)
        if index % every == 0
    ]
