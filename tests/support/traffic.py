"""Synthetic web traffic for the attribution simulation (tests/support/simulation.py): who visits
a site, when, for how long, what their browser sends, and who calls when.

Pure: a shape (``TrafficShape``, every distribution's parameters, documented in
docs/numbers.md) and a seed give a list of ``Visit`` plans; nothing here touches the server.

- Arrivals are a Poisson process whose rate follows a daily curve (a cosine, busiest at
  ``busiest_hour``, ``swing`` of the mean above and below it), drawn by thinning.
- A visit lasts a log-normal time (its median and the spread of its logarithm); its page views
  are log-normal in number, spread over the visit, the first at its start.
- Visitors are bots (they never call, and the lease gate refuses them), readers (the page stays
  open but they never touch it: no activity pings) or active (each 15-second window of the visit
  has an interaction with probability ``active_share``, and the script pings after it, as
  dialtrail.js's activity tick does).
- A share of the other visitors call: during the visit (a tap on the number or a copy first
  sends the intent-to-call ping, ``intent_share`` of them), minutes after leaving (log-normal
  delay, at most ``after_max``), or hours later after coming back to the site (a new session
  of the same visitor, and the call during it: the number they dial is the one that visit
  showed); and a share of all callers call again days later from their phone's call log (the
  same number as their first call, from the same phone).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PING_INTERVAL = 15.0  # seconds: dialtrail.js's activity tick
INTENT_LEAD = 2.0  # seconds from the tap (intent-to-call ping) to the call's start


@dataclass(frozen=True)
class TrafficShape:
    """Every parameter of the synthetic traffic; times in seconds unless named otherwise."""

    hours: float = 36.0
    visitors_per_hour: float = 100.0  # the mean over the day
    swing: float = 0.6  # the daily curve: mean x (1 ± swing)
    busiest_hour: float = 14.0
    visit_median: float = 150.0
    visit_spread: float = 0.9  # sigma of the log-normal visit length
    pages_median: float = 2.5
    pages_spread: float = 0.7
    bot_share: float = 0.1
    reader_share: float = 0.35  # of the visitors who are not bots
    active_share: float = 0.6  # chance that an active visitor interacts in a 15-second window
    caller_share: float = 0.1  # of the visitors who are not bots
    during_share: float = 0.6  # of callers: call while the page is open
    after_share: float = 0.3  # of callers: minutes after leaving
    # the rest of the callers come back hours later and call during that visit
    intent_share: float = 0.6  # of calls during a visit: a tap or a copy first (intent ping)
    after_median: float = 300.0
    after_spread: float = 1.0
    # "Minutes after leaving" ends here; a visitor who calls later looks the number up again
    # (a return visit). A number noted down and dialled later than the late window reaches
    # whoever holds it then, which no server can tell apart (docs/numbers.md).
    after_max: float = 1800.0
    return_median_hours: float = 4.0
    again_share: float = 0.1  # of callers: call again, days later, from the call log
    again_median_hours: float = 30.0


@dataclass
class Visit:
    """One session as the browser runs it: page views and pings at times from the start."""

    visitor: int  # index of the visitor (a returning visitor keeps it)
    session: int  # index of the session, unique in the run
    kind: str  # bot | reader | active
    start: datetime
    pages: list[float]  # seconds from start, the first 0
    pings: list[float]  # seconds from start, sorted
    length: float  # seconds the page stays open
    calls: list[PlannedCall] = field(default_factory=list)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.length)


@dataclass(frozen=True)
class PlannedCall:
    """A call a visitor makes; its true session is the session whose page showed the number
    (for a repeat call, the number dialled first, so the first call's true session)."""

    caller: int  # index of the calling phone (one per visitor)
    at: datetime
    timing: str  # during | after | returned | again
    shown_by: int  # the session whose number is dialled (index)
    true_session: int  # index


def arrivals(shape: TrafficShape, start: datetime, rng: random.Random) -> list[datetime]:
    """A Poisson process with the daily curve's rate, by thinning a constant one."""
    peak = shape.visitors_per_hour * (1 + shape.swing) / 3600.0
    moments: list[datetime] = []
    elapsed, horizon = 0.0, shape.hours * 3600.0
    while True:
        elapsed += rng.expovariate(peak)
        if elapsed >= horizon:
            return moments
        moment = start + timedelta(seconds=elapsed)
        if rng.random() * peak <= rate_at(shape, moment):
            moments.append(moment)


def rate_at(shape: TrafficShape, moment: datetime) -> float:
    hour = moment.hour + moment.minute / 60.0
    curve = 1 + shape.swing * math.cos(2 * math.pi * (hour - shape.busiest_hour) / 24.0)
    return shape.visitors_per_hour * curve / 3600.0


def log_normal(rng: random.Random, median: float, spread: float) -> float:
    return rng.lognormvariate(math.log(median), spread)


def visits(shape: TrafficShape, start: datetime, seed: int) -> list[Visit]:
    """Every session of the run (return visits included), in order of their start."""
    rng = random.Random(seed)
    planned: list[Visit] = []
    for visitor, moment in enumerate(arrivals(shape, start, rng)):
        kind = visitor_kind(shape, rng)
        first = new_visit(shape, rng, visitor, len(planned), kind, moment)
        planned.append(first)
        if kind != "bot" and rng.random() < shape.caller_share:
            planned.extend(plan_calls(shape, rng, first, len(planned)))
    horizon = start + timedelta(hours=shape.hours)
    for visit in planned:
        visit.calls = [call for call in visit.calls if call.at < horizon]
    kept = [visit for visit in planned if visit.start < horizon]
    return sorted(kept, key=lambda visit: (visit.start, visit.session))


def visitor_kind(shape: TrafficShape, rng: random.Random) -> str:
    if rng.random() < shape.bot_share:
        return "bot"
    return "reader" if rng.random() < shape.reader_share else "active"


def new_visit(
    shape: TrafficShape, rng: random.Random, visitor: int, session: int, kind: str, at: datetime
) -> Visit:
    length = max(5.0, log_normal(rng, shape.visit_median, shape.visit_spread))
    count = max(1, round(log_normal(rng, shape.pages_median, shape.pages_spread)))
    pages = [0.0, *sorted(rng.uniform(0, length) for _ in range(count - 1))]
    pings = active_pings(shape, rng, length) if kind == "active" else []
    return Visit(visitor, session, kind, at, pages, pings, length)


def active_pings(shape: TrafficShape, rng: random.Random, length: float) -> list[float]:
    """A ping at the end of each 15-second window in which the visitor interacted."""
    windows = int(length // PING_INTERVAL)
    return [
        (window + 1) * PING_INTERVAL
        for window in range(windows)
        if rng.random() < shape.active_share
    ]


def plan_calls(
    shape: TrafficShape, rng: random.Random, first: Visit, next_session: int
) -> list[Visit]:
    """The visitor's call (and a repeat); answers the return visit it needs, if any."""
    choice = rng.random()
    extra: list[Visit] = []
    if choice < shape.during_share:
        call = call_during(shape, rng, first, first)
    elif choice < shape.during_share + shape.after_share:
        call = call_after(shape, rng, first)
    else:
        delay = timedelta(hours=log_normal(rng, shape.return_median_hours, 0.8))
        back = new_visit(shape, rng, first.visitor, next_session, first.kind, first.end + delay)
        call, extra = call_during(shape, rng, back, back, timing="returned"), [back]
    shown_by = next(visit for visit in (first, *extra) if visit.session == call.shown_by)
    shown_by.calls.append(call)
    if rng.random() < shape.again_share:
        later = timedelta(hours=log_normal(rng, shape.again_median_hours, 0.5))
        again = PlannedCall(first.visitor, call.at + later, "again", call.shown_by, call.shown_by)
        shown_by.calls.append(again)
    return extra


def call_during(
    shape: TrafficShape, rng: random.Random, visit: Visit, shown: Visit, timing: str = "during"
) -> PlannedCall:
    """At a moment of the visit after its first page; a tap or a copy sends a ping first."""
    offset = rng.uniform(min(10.0, visit.length), visit.length)
    if rng.random() < shape.intent_share:
        visit.pings = sorted([*visit.pings, max(0.0, offset - INTENT_LEAD)])
    at = visit.start + timedelta(seconds=offset)
    return PlannedCall(visit.visitor, at, timing, shown.session, shown.session)


def call_after(shape: TrafficShape, rng: random.Random, visit: Visit) -> PlannedCall:
    delay = log_normal(rng, shape.after_median, shape.after_spread)
    while delay > shape.after_max:  # the log-normal cut at after_max
        delay = log_normal(rng, shape.after_median, shape.after_spread)
    at = visit.end + timedelta(seconds=delay)
    return PlannedCall(visit.visitor, at, "after", visit.session, visit.session)
