"""A pool's utilisation: current leases, hourly peaks, exhaustions and a recommended size.

The recommendation is the busiest hour's peak of concurrently leased sessions over the window,
plus a quarter for headroom (at least two numbers): a pool sized to the bare peak is exhausted
by the next busier hour, and an exhausted pool shares numbers, which makes calls ambiguous.
The peak counts sessions, not numbers, so it keeps measuring demand while numbers are shared.
Per number, the sessions holding it now show how an exhausted pool shares its numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialtrail.numbers.models import PoolUsage, TrackingNumber
from dialtrail.numbers.service import live_leases
from dialtrail.projects.models import Project

HEADROOM = 0.25
MIN_HEADROOM = 2


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
    def recommended_pool_size(self) -> int | None:
        return recommended_size(self.peak_sessions) if self.hours else None


def recommended_size(peak_sessions: int) -> int:
    return peak_sessions + max(MIN_HEADROOM, math.ceil(peak_sessions * HEADROOM))


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
    return Usage(
        pool_size=db.scalar(pool_size) or 0,
        current_leases=sum(number.sessions for number in numbers),
        hours=[hour_of(row) for row in rows],
        numbers=numbers,
    )


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
