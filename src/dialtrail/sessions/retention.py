"""``dialtrail prune``: deleting visits older than the retention period.

A session whose last activity is older than the cut-off goes, with its page views, entity
observations and values (ON DELETE CASCADE); so do visitors left without sessions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, exists, func, select
from sqlalchemy.orm import Session

from dialtrail.sessions.models import EntityObservation, PageView, Visitor, WebSession

UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DURATION = re.compile(r"^(\d{1,6})([mhdw])$")


def parse_age(text: str) -> timedelta:
    """``90d``, ``12h``, ``30m`` or ``2w``."""
    match = DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not an age such as 90d, 12h, 30m or 2w")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class Pruned:
    sessions: int
    page_views: int
    observations: int
    visitors: int


def prune(db: Session, cutoff: datetime) -> Pruned:
    old = select(WebSession.id).where(WebSession.last_activity_at < cutoff)
    counts = Pruned(
        sessions=count(db, select(func.count()).select_from(old.subquery())),
        page_views=count(db, select(func.count()).where(PageView.session_id.in_(old))),
        observations=count(db, select(func.count()).where(EntityObservation.session_id.in_(old))),
        visitors=0,
    )
    db.execute(delete(WebSession).where(WebSession.last_activity_at < cutoff))
    orphans = ~exists().where(WebSession.visitor_id == Visitor.id)
    visitors = count(db, select(func.count()).select_from(Visitor).where(orphans))
    db.execute(delete(Visitor).where(orphans))
    return Pruned(counts.sessions, counts.page_views, counts.observations, visitors)


def count(db: Session, query: Select[int]) -> int:
    return db.scalar(query) or 0
