"""An entity's health: the last value the script saw, and the errors it reported (DESIGN §2:
a broken entity is visible without opening the site's console)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dialtrail.entities.models import TrackingEntity
from dialtrail.entities.schemas import EntityError, EntityHealth
from dialtrail.sessions.queries import last_seen


def health_of(db: Session, entity: TrackingEntity) -> EntityHealth:
    seen = last_seen(db, entity.id)
    return EntityHealth(
        last_value=seen.value if seen else None,
        last_seen_at=seen.observed_at if seen else None,
        error_count=entity.error_count,
        last_error=last_error(entity),
    )


def last_error(entity: TrackingEntity) -> EntityError | None:
    if entity.last_error_at is None:
        return None
    return EntityError(
        message=entity.last_error or "",
        kind=entity.last_error_kind,
        at=entity.last_error_at,
        page_url=entity.last_error_url,
    )
