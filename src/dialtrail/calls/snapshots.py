"""The visit and entity snapshots a call carries (DESIGN §2, §5), taken once at call start.

Everything is read "as of" the call's start T: a value observed, or a page viewed, after the
call started is not in the snapshot, even when the call is recorded later (events arrive out
of order, or late). Snapshots are plain JSON (times as ISO 8601 text), stored on the call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from dialtrail.entities.models import TrackingEntity
from dialtrail.sessions.models import EntityObservation, PageView, Visitor, WebSession

NOTHING_SEEN: dict[str, Any] = {"value": None, "observed_at": None, "page_url": None}


def entity_snapshot(
    db: Session, project_id: int, session_id: int | None, moment: datetime
) -> dict[str, Any]:
    """``{name: {value, observed_at, page_url}}`` for every enabled entity of the project;
    all null for entities never seen (and for every entity of an unattributed call)."""
    snapshot: dict[str, Any] = {}
    latest_page = latest_page_view(db, session_id, moment) if session_id else None
    for entity in enabled_entities(db, project_id):
        if session_id is None:
            snapshot[entity.name] = dict(NOTHING_SEEN)
        elif entity.scope == "page_view":
            snapshot[entity.name] = page_view_value(db, entity, latest_page, moment)
        else:
            snapshot[entity.name] = session_value(db, entity, session_id, moment)
    return snapshot


def enabled_entities(db: Session, project_id: int) -> list[TrackingEntity]:
    query = (
        select(TrackingEntity)
        .where(TrackingEntity.project_id == project_id, TrackingEntity.enabled)
        .order_by(TrackingEntity.id)
    )
    return list(db.scalars(query))


def session_value(
    db: Session, entity: TrackingEntity, session_id: int, moment: datetime
) -> dict[str, Any]:
    """The last (``keep: first``: the first) non-empty observation made by ``moment``."""
    query = observations(entity.id, moment).where(
        EntityObservation.session_id == session_id, EntityObservation.value.is_not(None)
    )
    order = in_order(newest_first=entity.keep != "first")
    return observed(db.execute(query.order_by(*order).limit(1)).first())


def page_view_value(
    db: Session, entity: TrackingEntity, page: PageView | None, moment: datetime
) -> dict[str, Any]:
    """The value on the session's latest page before ``moment``: its last observation there,
    empty (null) allowed; that is why session scope is the recommended default."""
    if page is None:
        return dict(NOTHING_SEEN)
    query = observations(entity.id, moment).where(EntityObservation.page_view_id == page.id)
    order = in_order(newest_first=True)
    return observed(db.execute(query.order_by(*order).limit(1)).first())


def in_order(*, newest_first: bool) -> list[ColumnElement[Any]]:
    columns = [EntityObservation.observed_at, EntityObservation.id]
    return [column.desc() if newest_first else column.asc() for column in columns]


def observations(entity_id: int, moment: datetime) -> Select[str | None, datetime, str]:
    return (
        select(EntityObservation.value, EntityObservation.observed_at, PageView.url)
        .outerjoin(PageView, PageView.id == EntityObservation.page_view_id)
        .where(EntityObservation.entity_id == entity_id, EntityObservation.observed_at <= moment)
    )


def observed(row: Any) -> dict[str, Any]:
    if row is None:
        return dict(NOTHING_SEEN)
    value, observed_at, page_url = row
    return {"value": value, "observed_at": iso(observed_at), "page_url": page_url}


def latest_page_view(db: Session, session_id: int, moment: datetime) -> PageView | None:
    query = (
        select(PageView)
        .where(PageView.session_id == session_id, PageView.viewed_at <= moment)
        .order_by(PageView.viewed_at.desc(), PageView.id.desc())
        .limit(1)
    )
    return db.scalar(query)


def visit_snapshot(db: Session, session_id: int | None, moment: datetime) -> dict[str, Any]:
    """The session's source fields (DESIGN §1) plus the page URL at call time; ``{}`` for an
    unattributed call (there is no visit to describe)."""
    if session_id is None:
        return {}
    row = db.execute(
        select(WebSession, Visitor.key)
        .join(Visitor, Visitor.id == WebSession.visitor_id)
        .where(WebSession.id == session_id)
    ).first()
    if row is None:
        return {}
    session, visitor_key = row
    page = latest_page_view(db, session_id, moment)
    return {
        **source_fields(session, visitor_key),
        "page_views": page_views_by(db, session_id, moment),
        "page_url": page.url if page else None,
    }


def source_fields(session: WebSession, visitor_key: str) -> dict[str, Any]:
    return {
        "session_id": session.key,
        "visitor_id": visitor_key,
        "ga_client_id": session.ga_client_id,
        "utm_source": session.utm_source,
        "utm_medium": session.utm_medium,
        "utm_campaign": session.utm_campaign,
        "utm_content": session.utm_content,
        "utm_term": session.utm_term,
        "gclid": session.gclid,
        "fbclid": session.fbclid,
        "yclid": session.yclid,
        "referrer": session.referrer,
        "landing_page": session.landing_page,
        "started_at": iso(session.started_at),
        "user_agent": session.user_agent,
    }


def page_views_by(db: Session, session_id: int, moment: datetime) -> int:
    """Page views up to the call's start, not the session's count when the call is recorded."""
    query = select(func.count()).where(
        PageView.session_id == session_id, PageView.viewed_at <= moment
    )
    return int(db.scalar(query) or 0)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
