"""A pool's utilisation: current leases, hourly peaks, exhaustions and a recommended size.

The recommendation (``recommended_size``) is what benchmarks/attribution.py validated
(docs/numbers.md, "How accurate attribution is"): the busiest hour's peak of concurrently
leased sessions, plus the numbers that must **rest** free for a late-call window (a released
number given to the next visitor within ``late_call_seconds`` makes that visitor's calls
ambiguous, since the previous one may still call: calls/attribution.py), which is the leases
started in that hour per late window, plus headroom. The peak counts sessions, not numbers, so
it keeps measuring demand while numbers are shared.
Per number, the sessions holding it now show how an exhausted pool shares its numbers.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialtrail.numbers.models import NumberLease, PoolUsage, TrackingNumber
from dialtrail.numbers.service import live_leases
from dialtrail.projects.models import Project

HEADROOM = 0.1
MIN_HEADROOM = 2
# The share of calls attributed to their true visit at pool sizes given as a multiple of the
# recommended size, measured by benchmarks/attribution.py with the default hold (5 minutes)
# and late-call window (30 minutes): docs/numbers.md, "How accurate attribution is". Between
# two measured sizes the share is interpolated; none of these sizes named a visit wrongly.
MEASURED_ACCURACY = (
    (0.0, 0.0),
    (0.5, 0.512),
    (0.75, 0.929),
    (1.0, 0.998),
    (1.5, 0.998),
    (2.0, 0.998),
)


@dataclass(frozen=True)
class Hour:
    hour: datetime
    peak_sessions: int
    pool_size: int
    exhaustions: int
    refused_bots: int = 0  # page views of bots given the default number (numbers/gate.py)
    refused_network: int = 0  # new sessions of networks at DIALTRAIL_LEASES_PER_NETWORK


@dataclass(frozen=True)
class NumberUse:
    id: int
    number: str
    sessions: int  # holding it now; more than one: shared since the pool ran out


@dataclass(frozen=True)
class Usage:
    pool_size: int
    current_leases: int
    hours: list[Hour]
    numbers: list[NumberUse] = field(default_factory=list)
    busiest_hour_leases: int = 0  # leases started in the hour of the peak
    late_call_seconds: int = 1800  # the project's late-call window

    @property
    def refused_bots(self) -> int:
        return sum(hour.refused_bots for hour in self.hours)

    @property
    def refused_network(self) -> int:
        return sum(hour.refused_network for hour in self.hours)

    @property
    def shared_numbers(self) -> int:
        return sum(1 for number in self.numbers if number.sessions > 1)

    @property
    def peak_sessions(self) -> int:
        return max((hour.peak_sessions for hour in self.hours), default=0)

    @property
    def exhaustions(self) -> int:
        return sum(hour.exhaustions for hour in self.hours)

    @property
    def busiest_hour(self) -> Hour | None:
        """The hour of the window's peak (the latest of equal ones)."""
        return max(self.hours, key=lambda hour: (hour.peak_sessions, hour.hour), default=None)

    @property
    def recommended_pool_size(self) -> int | None:
        if not self.hours:
            return None
        return recommended_size(
            self.peak_sessions, self.busiest_hour_leases, self.late_call_seconds
        )

    @property
    def expected_accuracy(self) -> float | None:
        """The share of calls to expect attributed to their visit at the current pool size,
        under the busiest hour's traffic."""
        recommended = self.recommended_pool_size
        if recommended is None:
            return None
        return expected_accuracy(self.pool_size / recommended)


def recommended_size(peak_sessions: int, leases_per_hour: int, late_call_seconds: int) -> int:
    """Numbers for the peak, numbers resting through a late-call window at the peak's rate of
    new leases, and headroom for a busier hour."""
    resting = math.ceil(leases_per_hour * late_call_seconds / 3600)
    needed = peak_sessions + resting
    return needed + max(MIN_HEADROOM, math.ceil(needed * HEADROOM))


def expected_accuracy(ratio: float) -> float:
    """The measured share of correctly attributed calls at a pool ``ratio`` times the
    recommended size."""
    for (low, low_share), (high, high_share) in itertools.pairwise(MEASURED_ACCURACY):
        if ratio <= high:
            return low_share + (high_share - low_share) * (ratio - low) / (high - low)
    return MEASURED_ACCURACY[-1][1]


def usage_of(db: Session, project: Project, now: datetime, hours: int) -> Usage:
    since = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    rows = db.scalars(
        select(PoolUsage)
        .where(PoolUsage.project_id == project.id, PoolUsage.hour >= since)
        .order_by(PoolUsage.hour)
    )
    pool_size = select(func.count()).where(
        TrackingNumber.project_id == project.id,
        TrackingNumber.kind == "pool",
        TrackingNumber.removed_at.is_(None),
    )
    numbers = numbers_in_use(db, project, now)
    usage = Usage(
        pool_size=db.scalar(pool_size) or 0,
        current_leases=sum(number.sessions for number in numbers),
        hours=[hour_of(row) for row in rows],
        numbers=numbers,
        late_call_seconds=project.late_call_seconds,
    )
    busiest = usage.busiest_hour
    if busiest is None:
        return usage
    return replace(usage, busiest_hour_leases=leases_started(db, project, busiest.hour))


def leases_started(db: Session, project: Project, hour: datetime) -> int:
    """Leases of the project's numbers started in the hour (a range of each number's index by
    start: ix_number_leases_number_started)."""
    numbers = select(TrackingNumber.id).where(TrackingNumber.project_id == project.id)
    query = select(func.count()).where(
        NumberLease.number_id.in_(numbers),
        NumberLease.started_at >= hour,
        NumberLease.started_at < hour + timedelta(hours=1),
    )
    return db.scalar(query) or 0


def hour_of(row: PoolUsage) -> Hour:
    return Hour(
        row.hour,
        row.peak_sessions,
        row.pool_size,
        row.exhaustions,
        row.refused_bots,
        row.refused_network,
    )


def numbers_in_use(db: Session, project: Project, now: datetime) -> list[NumberUse]:
    """Every pool number in service, and draining ones still held, with their sessions now."""
    held = live_leases(db, project, now)
    query = (
        select(TrackingNumber)
        .where(TrackingNumber.project_id == project.id, TrackingNumber.kind == "pool")
        .order_by(TrackingNumber.number)
    )
    return [
        NumberUse(number.id, number.number, held.get(number.id, (0, now))[0])
        for number in db.scalars(query)
        if number.removed_at is None or number.id in held
    ]
