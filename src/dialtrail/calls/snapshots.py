"""The visit and entity snapshots a call carries (docs/design.md §2, §5), taken once at call start.

Everything is read "as of" the call's start T: a value observed, or a page viewed, after the
call started is not in the snapshot, even when the call is recorded later (events arrive out
of order, or late). Snapshots are plain JSON (times as ISO 8601 text), stored on the call.

Taking them is on the path of every new call a telephony reports, so the reads are few and
fixed in number: the session with its visitor, its latest page (with the count of pages up
to T), the enabled entities, and every entity's value in one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, literal, select, union_all
from sqlalchemy.orm import Session

from dialtrail.calls.data import EntityValue
from dialtrail.described import iso
from dialtrail.entities.models import TrackingEntity
from dialtrail.entities.rules import newest_wins
from dialtrail.sessions.models import EntityObservation, PageView, Visitor, WebSession
from dialtrail.sessions.visit import VISIT_FIELDS, VisitSnapshot

NOTHING_SEEN: EntityValue = {"value": None, "observed_at": None, "page_url": None}


@dataclass(frozen=True)
class Snapshots:
    """What a new call takes from its session: its visitor and both snapshots."""

    visitor_id: int | None
    visit: VisitSnapshot | None
    entities: dict[str, EntityValue]


@dataclass(frozen=True)
class LatestPage:
    """The session's latest page view by T, and how many it had by then."""

    id: int
    url: str
    page_views: int


def take(db: Session, project_id: int, session_id: int | None, moment: datetime) -> Snapshots:
    """Both snapshots as of ``moment``: no visit and all-null entities for an unattributed call
    (there is no visit to describe)."""
    entities = enabled_entities(db, project_id)
    row = session_and_visitor(db, session_id) if session_id is not None else None
    if row is None:
        return Snapshots(None, None, {entity.name: NOTHING_SEEN.copy() for entity in entities})
    session, visitor_key = row
    page = latest_page(db, session.id, moment)
    return Snapshots(
        session.visitor_id,
        visit_fields(session, visitor_key, page),
        entity_values(db, entities, session.id, page, moment),
    )


def enabled_entities(db: Session, project_id: int) -> Sequence[Row[int, str, str, str]]:
    query = (
        select(TrackingEntity.id, TrackingEntity.name, TrackingEntity.scope, TrackingEntity.keep)
        .where(TrackingEntity.project_id == project_id, TrackingEntity.enabled)
        .order_by(TrackingEntity.id)
    )
    return db.execute(query).all()


def entity_values(
    db: Session,
    entities: Sequence[Row[int, str, str, str]],
    session_id: int,
    page: LatestPage | None,
    moment: datetime,
) -> dict[str, EntityValue]:
    """``{name: {value, observed_at, page_url}}`` for every enabled entity; all null for
    entities never seen. One query: a UNION ALL of each entity's own one-row lookup."""
    lookups = [value_lookup(entity, session_id, page, moment) for entity in entities]
    wanted = [lookup for lookup in lookups if lookup is not None]
    found: dict[int, EntityValue] = {}
    if wanted:
        query = wanted[0] if len(wanted) == 1 else union_all(*wanted)
        for entity_id, value, observed_at, page_url in db.execute(query):
            found[entity_id] = observed(value, observed_at, page_url)
    return {entity.name: found.get(entity.id, NOTHING_SEEN.copy()) for entity in entities}


def value_lookup(
    entity: Row[int, str, str, str], session_id: int, page: LatestPage | None, moment: datetime
) -> Select[Any] | None:
    """Session scope: the last (``keep: first``: the first) non-empty observation made by
    ``moment``. Page-view scope: the value on the session's latest page before ``moment``, its
    last observation there, empty (null) allowed; that is why session scope is the
    recommended default. None when there is nothing to look up (no page yet)."""
    query = observations(entity.id, moment)
    if entity.scope == "page_view":
        if page is None:
            return None
        query = query.where(EntityObservation.page_view_id == page.id)
        newest_first = True
    else:
        query = query.where(
            EntityObservation.session_id == session_id, EntityObservation.value.is_not(None)
        )
        newest_first = newest_wins(entity.keep)
    one = query.order_by(*in_order(newest_first=newest_first)).limit(1).subquery()
    return select(one)


def in_order(*, newest_first: bool) -> list[ColumnElement[Any]]:
    columns = [EntityObservation.observed_at, EntityObservation.id]
    return [column.desc() if newest_first else column.asc() for column in columns]


def observations(entity_id: int, moment: datetime) -> Select[int, str | None, datetime, str]:
    return (
        select(
            literal(entity_id).label("entity_id"),
            EntityObservation.value,
            EntityObservation.observed_at,
            PageView.url,
        )
        .outerjoin(PageView, PageView.id == EntityObservation.page_view_id)
        .where(EntityObservation.entity_id == entity_id, EntityObservation.observed_at <= moment)
    )


def observed(value: str | None, observed_at: datetime, page_url: str | None) -> EntityValue:
    return {"value": value, "observed_at": iso(observed_at), "page_url": page_url}


def latest_page(db: Session, session_id: int, moment: datetime) -> LatestPage | None:
    """The latest page by ``moment`` and, by the window count (taken before the LIMIT), the
    number of pages by then: page views up to the call's start, not the session's count
    when the call is recorded."""
    query = (
        select(PageView.id, PageView.url, func.count().over())
        .where(PageView.session_id == session_id, PageView.viewed_at <= moment)
        .order_by(PageView.viewed_at.desc(), PageView.id.desc())
        .limit(1)
    )
    row = db.execute(query).first()
    return LatestPage(row[0], row[1], int(row[2])) if row is not None else None


def session_and_visitor(db: Session, session_id: int) -> tuple[WebSession, str] | None:
    row = db.execute(
        select(WebSession, Visitor.key)
        .join(Visitor, Visitor.id == WebSession.visitor_id)
        .where(WebSession.id == session_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def visit_fields(session: WebSession, visitor_key: str, page: LatestPage | None) -> VisitSnapshot:
    """The session's source fields (docs/design.md §1) plus the page URL at call time."""
    return VisitSnapshot(
        session_id=session.key,
        visitor_id=visitor_key,
        page_views=page.page_views if page else 0,
        page_url=page.url if page else None,
        **{name: getattr(session, name) for name in COPIED_FROM_SESSION},
    )


# The snapshot's fields the session stores under the same name (the rest are set above).
COPIED_FROM_SESSION = tuple(
    field.name
    for field in VISIT_FIELDS
    if field.name not in {"session_id", "visitor_id", "page_views", "page_url"}
)
