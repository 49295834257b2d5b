"""The pool's utilisation as a small SVG chart, computed here and drawn by the template.

One bar per hour of the window (the peak of concurrently leased sessions), a step line for the
pool size, and a mark over every hour in which the pool ran out. Everything is geometry in a
fixed viewBox, so the SVG scales with the page and needs no script or inline style (the
admin's Content-Security-Policy allows neither).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dialtrail.numbers.usage import Hour, Usage

WIDTH = 720
HEIGHT = 180
PLOT_TOP = 12
PLOT_BOTTOM = 150  # below: the date labels
LABEL_EVERY_HOURS = 24
# The room a day label ("Fri 27 Nov", 11px text drawn 2 units right of its day) needs: a day
# that starts closer than this to the right edge gets no label rather than a clipped one.
LABEL_ROOM = 72


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # the tooltip: hour and figures, in the project's time zone


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    pool_line: str  # SVG polyline points
    exhaustion_marks: list[Mark]
    labels: list[Label]
    scale_top: int  # the value at the top of the plot
    baseline: int

    @property
    def top_y(self) -> int:
        return PLOT_TOP


def usage_chart(usage: Usage, end: datetime, hours: int, timezone: str) -> Chart:
    """``end`` is now; the chart covers the ``hours`` hours up to and including the current one."""
    zone = ZoneInfo(timezone)
    first = end.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    by_hour = {hour.hour: hour for hour in usage.hours}
    slots = [first + timedelta(hours=index) for index in range(hours)]
    scale_top = max(1, usage.pool_size, *(hour.peak_sessions for hour in usage.hours))
    slot_width = WIDTH / hours
    plot = Plot(slot_width, scale_top)
    filled = [(index, by_hour.get(slot), slot) for index, slot in enumerate(slots)]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=[plot.bar(index, hour, zone) for index, hour, _ in filled if hour],
        pool_line=plot.pool_line(filled, usage.pool_size),
        exhaustion_marks=[
            plot.mark(index, hour, zone) for index, hour, _ in filled if hour and hour.exhaustions
        ],
        labels=day_labels(slots, slot_width, zone),
        scale_top=scale_top,
        baseline=PLOT_BOTTOM,
    )


@dataclass(frozen=True)
class Plot:
    slot_width: float
    scale_top: int

    def y(self, value: int) -> float:
        return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * value / self.scale_top, 2)

    def bar(self, index: int, hour: Hour, zone: ZoneInfo) -> Bar:
        top = self.y(hour.peak_sessions)
        title = (
            f"{local_hour(hour.hour, zone)}: {hour.peak_sessions} sessions at once, "
            f"pool of {hour.pool_size}, ran out {hour.exhaustions} times"
        )
        width = max(self.slot_width * 0.8, 0.5)
        return Bar(
            round(index * self.slot_width, 2), top, round(width, 2), PLOT_BOTTOM - top, title
        )

    def mark(self, index: int, hour: Hour, zone: ZoneInfo) -> Mark:
        x = round((index + 0.4) * self.slot_width, 2)
        title = f"{local_hour(hour.hour, zone)}: the pool ran out {hour.exhaustions} times"
        return Mark(x, PLOT_TOP - 6, title)

    def pool_line(self, filled: list[tuple[int, Hour | None, datetime]], current: int) -> str:
        # Hours without a row had no leases; the pool then was as in the hour before (or, before
        # the first recorded hour, as in that one).
        recorded = [hour.pool_size for _, hour, _ in filled if hour]
        size = recorded[0] if recorded else current
        points: list[str] = []
        for index, hour, _ in filled:
            size = hour.pool_size if hour else size
            y = self.y(size)
            points += [f"{round(index * self.slot_width, 2)},{y}"]
            points += [f"{round((index + 1) * self.slot_width, 2)},{y}"]
        return " ".join(points)


def day_labels(slots: list[datetime], slot_width: float, zone: ZoneInfo) -> list[Label]:
    labels = []
    for index, slot in enumerate(slots):
        local = slot.astimezone(zone)
        if local.hour == 0 and index * slot_width + LABEL_ROOM <= WIDTH:
            labels.append(Label(round(index * slot_width, 2), local.strftime("%a %d %b")))
    return labels


def local_hour(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %H:00")


def recommendation(usage: Usage, days: int) -> str:
    """The recommended size with its reason."""
    size = usage.recommended_pool_size
    if size is None:
        return (
            f"No recommendation yet: no session held a number in the last {days} days. "
            "Add pool numbers and let visitors come."
        )
    ran_out = f", and the pool ran out {usage.exhaustions} times" if usage.exhaustions else ""
    verdict = "keep it" if size <= usage.pool_size else f"add {size - usage.pool_size}"
    window = f"{usage.late_call_seconds // 60}-minute late-call window"
    return (
        f"Recommended pool size: {size} — the busiest hour of the last {days} days had "
        f"{usage.peak_sessions} sessions holding a number at once and "
        f"{usage.busiest_hour_leases} new ones taking one{ran_out}; {size} lets each released "
        f"number rest through the {window} and leaves room for a busier hour (you have "
        f"{usage.pool_size}: {verdict})."
    )


def expectation(usage: Usage) -> str | None:
    """The share of calls to expect attributed at the current size; None without usage."""
    if usage.expected_accuracy is None:
        return None
    accuracy = math.floor(usage.expected_accuracy * 100)
    return (
        f"At {usage.pool_size} numbers, expect about {accuracy} % of calls attributed to their "
        "visit (measured by simulation at this traffic); the others are flagged ambiguous, "
        "never given to the wrong visit."
    )
