"""A pool's utilisation: current leases, hourly peaks, exhaustions and a recommended size.

The recommendation is the busiest hour's peak of concurrently leased sessions over the window,
plus a quarter for headroom (at least two numbers): a pool sized to the bare peak is exhausted
by the next busier hour, and an exhausted pool shares numbers, which makes calls ambiguous.
The peak counts sessions, not numbers, so it keeps measuring demand while numbers are shared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialtrail.numbers.models import NumberLease, PoolUsage, TrackingNumber
from dialtrail.projects.models import Project

HEADROOM = 0.25
MIN_HEADROOM = 2


@dataclass(frozen=True)
class Hour:
    hour: datetime
    peak_sessions: int
    pool_size: int
    exhaustions: int


@dataclass(frozen=True)
class Usage:
    pool_size: int
    current_leases: int
    hours: list[Hour]

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
    current_leases = select(func.count()).where(
        NumberLease.project_id == project.id,
        NumberLease.released_at.is_(None),
        NumberLease.expires_at > now,
    )
    return Usage(
        pool_size=db.scalar(pool_size) or 0,
        current_leases=db.scalar(current_leases) or 0,
        hours=[Hour(row.hour, row.peak_sessions, row.pool_size, row.exhaustions) for row in rows],
    )
