"""Reading sessions back: lists with filters, one session with its trail, entity health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dialtrail.api.errors import invalid_field
from dialtrail.entities.models import TrackingEntity
from dialtrail.sessions.models import (
    EntityObservation,
    PageView,
    SessionValue,
    Visitor,
    WebSession,
)


@dataclass(frozen=True)
class SessionFilters:
    visitor: str | None = None
    ga_client_id: str | None = None
    entity: str | None = None
    value: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    cursor: int | None = None
    limit: int = 50


def check_filters(filters: SessionFilters) -> None:
    if filters.value is not None and filters.entity is None:
        raise invalid_field("value", "give the entity's name in `entity` too")
    for name in ("visitor", "ga_client_id", "entity", "value"):
        text = getattr(filters, name)
        # PostgreSQL cannot compare text holding NUL (it errors); no stored value holds one.
        if text is not None and "\x00" in text:
            raise invalid_field(name, "may not contain the NUL character (\\u0000)")


def find_sessions(
    db: Session, project_id: int, filters: SessionFilters
) -> list[tuple[WebSession, str]]:
    query = (
        select(WebSession, Visitor.key)
        .join(Visitor, Visitor.id == WebSession.visitor_id)
        .where(WebSession.project_id == project_id)
    )
    query = narrowed(query, project_id, filters).order_by(WebSession.id.desc())
    rows = db.execute(query.limit(filters.limit)).all()
    return [(session, visitor_key) for session, visitor_key in rows]


def narrowed(
    query: Select[WebSession, str], project_id: int, filters: SessionFilters
) -> Select[WebSession, str]:
    if filters.visitor:
        query = query.where(Visitor.key == filters.visitor)
    if filters.ga_client_id:
        query = query.where(WebSession.ga_client_id == filters.ga_client_id)
    if filters.since:
        query = query.where(WebSession.last_activity_at >= filters.since)
    if filters.until:
        query = query.where(WebSession.started_at < filters.until)
    if filters.cursor:
        query = query.where(WebSession.id < filters.cursor)
    if filters.entity:
        query = query.where(WebSession.id.in_(sessions_with_value(project_id, filters)))
    return query


def sessions_with_value(project_id: int, filters: SessionFilters) -> Select[int]:
    query = (
        select(SessionValue.session_id)
        .join(TrackingEntity, TrackingEntity.id == SessionValue.entity_id)
        .where(TrackingEntity.project_id == project_id, TrackingEntity.name == filters.entity)
    )
    if filters.value is not None:
        query = query.where(SessionValue.value == filters.value)
    return query


def current_values(db: Session, session_ids: Sequence[int]) -> dict[int, dict[str, str | None]]:
    query = (
        select(SessionValue.session_id, TrackingEntity.name, SessionValue.value)
        .join(TrackingEntity, TrackingEntity.id == SessionValue.entity_id)
        .where(SessionValue.session_id.in_(session_ids))
    )
    values: dict[int, dict[str, str | None]] = {session_id: {} for session_id in session_ids}
    for session_id, name, value in db.execute(query):
        values[session_id][name] = value
    return values


def find_session(db: Session, project_id: int, key: str) -> tuple[WebSession, str] | None:
    query = (
        select(WebSession, Visitor.key)
        .join(Visitor, Visitor.id == WebSession.visitor_id)
        .where(WebSession.project_id == project_id, WebSession.key == key)
    )
    row = db.execute(query).first()
    return (row[0], row[1]) if row else None


def page_views(db: Session, session_id: int, until: datetime | None = None) -> list[PageView]:
    """The session's page views, oldest first; with ``until``, those viewed at or before it."""
    query = select(PageView).where(PageView.session_id == session_id).order_by(PageView.id)
    if until is not None:
        query = query.where(PageView.viewed_at <= until)
    return list(db.scalars(query))


@dataclass(frozen=True)
class NamedObservation:
    observation: EntityObservation
    entity: str
    scope: str


def history(db: Session, session_id: int, until: datetime | None = None) -> list[NamedObservation]:
    """Every observation of the session, oldest first; with ``until``, those made by then."""
    query = (
        select(EntityObservation, TrackingEntity.name, TrackingEntity.scope)
        .join(TrackingEntity, TrackingEntity.id == EntityObservation.entity_id)
        .where(EntityObservation.session_id == session_id)
        .order_by(EntityObservation.id)
    )
    if until is not None:
        query = query.where(EntityObservation.observed_at <= until)
    return [NamedObservation(*row) for row in db.execute(query)]


def session_values(db: Session, session_id: int) -> list[tuple[SessionValue, str]]:
    query = (
        select(SessionValue, TrackingEntity.name)
        .join(TrackingEntity, TrackingEntity.id == SessionValue.entity_id)
        .where(SessionValue.session_id == session_id)
        .order_by(TrackingEntity.id)
    )
    return [(value, name) for value, name in db.execute(query)]


def last_seen(db: Session, entity_id: int) -> EntityObservation | None:
    query = (
        select(EntityObservation)
        .where(EntityObservation.entity_id == entity_id, EntityObservation.value.is_not(None))
        .order_by(EntityObservation.observed_at.desc(), EntityObservation.id.desc())
        .limit(1)
    )
    return db.scalar(query)


def latest_page_view(db: Session, project_id: int) -> PageView | None:
    """The project's most recent page view: proof that the snippet runs on the site."""
    query = (
        select(PageView)
        .join(WebSession, WebSession.id == PageView.session_id)
        .where(WebSession.project_id == project_id)
        .order_by(PageView.viewed_at.desc(), PageView.id.desc())
        .limit(1)
    )
    return db.scalar(query)


# Entity health counts values over the project's latest page views: enough to tell an entity
# that works from one that never resolves, and a bounded read whatever the database's size.
RECENT_PAGE_VIEWS = 50
# page_views has no project column, and an index walk through the project's sessions would
# read every page view it ever had. So the project's latest page views are looked for among
# the instance's newest NEWEST_SCANNED (exact whenever the project has RECENT_PAGE_VIEWS of
# them), and, for a project with little recent traffic, in its RECENT_PAGE_VIEWS newest visits.
NEWEST_SCANNED = 1000


@dataclass(frozen=True)
class RecentPageViews:
    """The project's latest page views and, per entity, those that had a non-empty value."""

    viewed_at: dict[int, datetime] = field(default_factory=dict)  # page view id → when
    with_value: dict[int, set[int]] = field(default_factory=dict)  # entity id → page view ids


def recent_page_views(
    db: Session, project_id: int, limit: int = RECENT_PAGE_VIEWS
) -> RecentPageViews:
    viewed_at = latest_page_views(db, project_id, limit)
    if not viewed_at:
        return RecentPageViews()
    observed = (
        select(EntityObservation.entity_id, EntityObservation.page_view_id)
        .where(
            EntityObservation.page_view_id.in_(list(viewed_at)),
            EntityObservation.value.is_not(None),
        )
        .distinct()
    )
    with_value: dict[int, set[int]] = {}
    for entity_id, page_view_id in db.execute(observed):
        if page_view_id is not None:  # never, by the IN above; says so to the type checker
            with_value.setdefault(entity_id, set()).add(page_view_id)
    return RecentPageViews(viewed_at, with_value)


def latest_page_views(db: Session, project_id: int, limit: int) -> dict[int, datetime]:
    """The project's ``limit`` latest page views (id → when), from bounded index reads."""
    newest = (
        select(PageView.id, PageView.viewed_at, PageView.session_id)
        .order_by(PageView.viewed_at.desc(), PageView.id.desc())
        .limit(NEWEST_SCANNED)
        .subquery()
    )
    in_project = (
        select(newest.c.id, newest.c.viewed_at)
        .join(WebSession, WebSession.id == newest.c.session_id)
        .where(WebSession.project_id == project_id)
    )
    found: set[tuple[int, datetime]] = {(row[0], row[1]) for row in db.execute(in_project)}
    if len(found) < limit:
        of_visits = db.execute(page_views_of_newest_visits(project_id, limit))
        found.update((row[0], row[1]) for row in of_visits)
    newest_first = sorted(found, key=lambda row: (row[1], row[0]), reverse=True)
    return {page_view_id: at for page_view_id, at in newest_first[:limit]}


def page_views_of_newest_visits(project_id: int, limit: int) -> Select[int, datetime]:
    visits = (
        select(WebSession.id)
        .where(WebSession.project_id == project_id)
        .order_by(WebSession.started_at.desc())
        .limit(limit)
    )
    return (
        select(PageView.id, PageView.viewed_at)
        .where(PageView.session_id.in_(visits.scalar_subquery()))
        .order_by(PageView.viewed_at.desc(), PageView.id.desc())
        .limit(limit)
    )
