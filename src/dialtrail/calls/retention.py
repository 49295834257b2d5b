"""``dialtrail prune``: a project's calls older than its ``call_retention_months``
(docs/privacy.md, "Retention"), with their events, webhook deliveries and attempts (ON DELETE
CASCADE). The sessions they kept become prunable by the same run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dialtrail.calls.models import Call

BATCH = 500


def prune_calls(db: Session, project_id: int, cutoff: datetime) -> int:
    """Deletes the project's calls that started before ``cutoff``; answers how many."""
    deleted = 0
    old = (
        select(Call.id)
        .where(Call.project_id == project_id, Call.started_at < cutoff)
        .order_by(Call.id)
        .limit(BATCH)
    )
    while batch := list(db.scalars(old)):
        db.execute(delete(Call).where(Call.id.in_(batch)))
        deleted += len(batch)
    return deleted
