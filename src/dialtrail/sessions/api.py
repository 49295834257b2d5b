"""``/api/v1/projects/{id}/sessions`` and ``/sessions/{session_id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import not_found
from dialtrail.api.schemas import MAX_ID, ProjectId
from dialtrail.collector.deriver import caught_up
from dialtrail.projects.access import readable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.sessions import queries
from dialtrail.sessions.models import PageView, SessionValue, WebSession
from dialtrail.sessions.schemas import (
    EntityValue,
    ObservationOut,
    PageViewOut,
    SessionDetail,
    SessionList,
    SessionSummary,
    SourceFields,
)

router = APIRouter(prefix="/projects/{project_id}/sessions", tags=["sessions"])


@router.get("", summary="List sessions, most recent first")
def list_sessions(
    project_id: ProjectId,
    user: CurrentUser,
    db: DatabaseSession,
    visitor: Annotated[str | None, Query(max_length=64, description="A visitor id")] = None,
    ga_client_id: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=64, description="An entity name")] = None,
    value: Annotated[str | None, Query(max_length=1000, description="With `entity`")] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="Active at or after (ISO 8601, with offset)")
    ] = None,
    until: Annotated[
        AwareDatetime | None, Query(description="Started before (ISO 8601, with offset)")
    ] = None,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SessionList:
    access = readable_project(db, user, project_id)
    caught_up(db)
    filters = queries.SessionFilters(
        visitor, ga_client_id, entity, value, since, until, cursor, limit
    )
    queries.check_filters(filters)
    rows = queries.find_sessions(db, access.project.id, filters)
    values = queries.current_values(db, [session.id for session, _ in rows])
    items = [summary(session, visitor_key, values[session.id]) for session, visitor_key in rows]
    next_cursor = rows[-1][0].id if len(rows) == limit else None
    return SessionList(items=items, next_cursor=next_cursor)


@router.get("/{session_id}", summary="Show a session: sources, page views and entity history")
def show_session(
    project_id: ProjectId, session_id: str, user: CurrentUser, db: DatabaseSession
) -> SessionDetail:
    access = readable_project(db, user, project_id)
    caught_up(db)
    found = queries.find_session(db, access.project.id, session_id)
    if found is None:
        raise not_found(f"session {session_id[:64]!r}")
    session, visitor_key = found
    views = queries.page_views(db, session.id)
    return detail(db, session, visitor_key, views)


def summary(
    session: WebSession, visitor_key: str, entities: dict[str, str | None]
) -> SessionSummary:
    return SessionSummary(
        id=session.key,
        visitor_id=visitor_key,
        ga_client_id=session.ga_client_id,
        ga_session_id=session.ga_session_id,
        ga_session_number=session.ga_session_number,
        matomo_visitor_id=session.matomo_visitor_id,
        started_at=session.started_at,
        last_activity_at=session.last_activity_at,
        page_views=session.page_views,
        entities=entities,
        **source_fields(session),
    )


def source_fields(session: WebSession) -> dict[str, str | None]:
    return {name: getattr(session, name) for name in SourceFields.model_fields}


def detail(
    db: DatabaseSession, session: WebSession, visitor_key: str, views: list[PageView]
) -> SessionDetail:
    by_id = {view.id: view for view in views}
    observations = queries.history(db, session.id)
    current = queries.session_values(db, session.id)
    base = summary(session, visitor_key, {name: value.value for value, name in current})
    return SessionDetail(
        **base.model_dump(),
        user_agent=session.user_agent,
        ip=session.ip,
        entity_values={name: entity_value(value, by_id) for value, name in current},
        page_view_list=[page_view_out(view, observations) for view in views],
        entity_history=[observation_out(item, by_id) for item in observations],
    )


def entity_value(value: SessionValue, by_id: dict[int, PageView]) -> EntityValue:
    page = by_id.get(value.page_view_id) if value.page_view_id else None
    return EntityValue(
        value=value.value,
        truncated=value.truncated,
        observed_at=value.observed_at,
        page_url=page.url if page else None,
    )


def observation_out(item: queries.NamedObservation, by_id: dict[int, PageView]) -> ObservationOut:
    observation = item.observation
    page = by_id.get(observation.page_view_id) if observation.page_view_id else None
    return ObservationOut(
        entity=item.entity,
        value=observation.value,
        truncated=observation.truncated,
        observed_at=observation.observed_at,
        page_view_id=page.key if page else None,
    )


def page_view_out(view: PageView, observations: list[queries.NamedObservation]) -> PageViewOut:
    # The last observation on the page wins (observations come oldest first).
    values = {
        item.entity: item.observation.value
        for item in observations
        if item.scope == "page_view" and item.observation.page_view_id == view.id
    }
    return PageViewOut(
        id=view.key,
        url=view.url,
        title=view.title,
        referrer=view.referrer,
        viewed_at=view.viewed_at,
        values=values,
    )
