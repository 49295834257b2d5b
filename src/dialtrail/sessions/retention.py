"""``dialtrail prune``: deleting visits older than the retention period.

A session whose last activity is older than the cut-off goes, with its page views, entity
observations, values and number leases (ON DELETE CASCADE); so do visitors left without
sessions. A session a call refers to stays, however old, with everything it holds: a call's
detail shows the visit that led to it. Which sessions calls refer to, ``calls`` answers
through ``SESSION_KEEPERS`` (``calls/queries.py``: sessions_calls_refer_to).

Old sessions are handled in batches of ``BATCH`` ids, so pruning millions of rows never holds
them all in memory, and the statements stay short on both databases.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, exists, func, select
from sqlalchemy.orm import Session

from dialtrail.hooks import Hooks
from dialtrail.sessions import changed_days
from dialtrail.sessions.models import EntityObservation, PageView, Visitor, WebSession

BATCH = 500
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
    kept_for_calls: int = 0  # old sessions kept because a call refers to them


# Who keeps an old session (calls refer to theirs), wired by wiring.py since calls sit above
# sessions: given the prune's database session, a function from a batch of session ids to
# those it keeps.
SessionKeeper = Callable[[Sequence[int]], set[int]]
SESSION_KEEPERS: Hooks[Callable[[Session], SessionKeeper]] = Hooks("who keeps an old session")


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when it
    is shorter): a project's retention in months (docs/privacy.md, "Retention")."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def prune(db: Session, cutoff: datetime, project_id: int | None = None) -> Pruned:
    """Every project's old sessions, or only ``project_id``'s."""
    keepers = [keeper(db) for keeper in SESSION_KEEPERS]
    totals = Pruned(0, 0, 0, 0)
    last_id = 0
    while batch := old_sessions(db, cutoff, last_id, project_id):
        kept = {session_id for keeper in keepers for session_id in keeper(batch)}
        deleted = delete_sessions(db, [item for item in batch if item not in kept])
        totals = add(totals, replace(deleted, kept_for_calls=len(kept)))
        last_id = batch[-1]
    return add(totals, Pruned(0, 0, 0, delete_orphan_visitors(db)))


def old_sessions(
    db: Session, cutoff: datetime, after_id: int, project_id: int | None = None
) -> list[int]:
    query = (
        select(WebSession.id)
        .where(WebSession.last_activity_at < cutoff, WebSession.id > after_id)
        .order_by(WebSession.id)
        .limit(BATCH)
    )
    if project_id is not None:
        query = query.where(WebSession.project_id == project_id)
    return list(db.scalars(query))


def delete_sessions(db: Session, session_ids: Sequence[int]) -> Pruned:
    if not session_ids:
        return Pruned(0, 0, 0, 0)
    counted = Pruned(
        sessions=len(session_ids),
        page_views=count(db, select(func.count()).where(PageView.session_id.in_(session_ids))),
        observations=count(
            db, select(func.count()).where(EntityObservation.session_id.in_(session_ids))
        ),
        visitors=0,
    )
    changed_days.mark_sessions(db, session_ids)  # the reports' rollups count them
    db.execute(delete(WebSession).where(WebSession.id.in_(session_ids)))
    return counted


def delete_orphan_visitors(db: Session) -> int:
    orphans = ~exists().where(WebSession.visitor_id == Visitor.id)
    visitors = count(db, select(func.count()).select_from(Visitor).where(orphans))
    db.execute(delete(Visitor).where(orphans))
    return visitors


def add(total: Pruned, more: Pruned) -> Pruned:
    return Pruned(
        total.sessions + more.sessions,
        total.page_views + more.page_views,
        total.observations + more.observations,
        total.visitors + more.visitors,
        total.kept_for_calls + more.kept_for_calls,
    )


def count(db: Session, query: Select[int]) -> int:
    return db.scalar(query) or 0
