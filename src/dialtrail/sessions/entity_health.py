"""An entity's health: the last value the script saw, how many of the project's recent page
views had a value, and the errors it reported (docs/design.md §2: a broken entity is visible without
opening the site's console; docs/tracking-entities.md, "Entity health")."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from dialtrail.entities.models import TrackingEntity
from dialtrail.entities.schemas import EntityError, EntityHealth
from dialtrail.sessions.queries import RecentPageViews, last_seen, recent_page_views


def healths(db: Session, project_id: int, entities: Sequence[TrackingEntity]) -> list[EntityHealth]:
    """The health of each of a project's entities, reading its recent page views once."""
    recent = recent_page_views(db, project_id)
    return [health_of(db, entity, recent) for entity in entities]


def health_of(
    db: Session, entity: TrackingEntity, recent: RecentPageViews | None = None
) -> EntityHealth:
    seen = last_seen(db, entity.id)
    if recent is None:
        recent = recent_page_views(db, entity.project_id)
    counted, with_value = value_share(entity, recent)
    return EntityHealth(
        last_value=seen.value if seen else None,
        last_seen_at=seen.observed_at if seen else None,
        recent_page_views=counted,
        recent_with_value=with_value,
        error_count=entity.error_count,
        last_error=last_error(entity),
    )


def value_share(entity: TrackingEntity, recent: RecentPageViews) -> tuple[int, int]:
    """Of the recent page views viewed since the entity was declared (earlier ones could not
    have its value), how many there are and how many had a non-empty value."""
    counted = {
        page_view_id
        for page_view_id, viewed_at in recent.viewed_at.items()
        if viewed_at >= entity.created_at
    }
    return len(counted), len(counted & recent.with_value.get(entity.id, set()))


def last_error(entity: TrackingEntity) -> EntityError | None:
    if entity.last_error_at is None:
        return None
    return EntityError(
        message=entity.last_error or "",
        kind=entity.last_error_kind,
        at=entity.last_error_at,
        page_url=entity.last_error_url,
    )
