"""A data subject's data as JSON (docs/privacy.md, "Erasure and export"): what an access
request is answered with, found by the same selectors as an erasure (selectors.py).

Every stored field of the subject's visitors, sessions, page views, entity values and
observations, and of the calls from them or attributed to them, with each call's events as
the server normalised them. Internal row ids are left out: they mean nothing outside.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialtrail.calls.data import CallData
from dialtrail.calls.models import Call, CallEvent
from dialtrail.collector.deriver import catch_up
from dialtrail.projects.models import Project
from dialtrail.sessions import queries
from dialtrail.sessions.models import Visitor, WebSession
from dialtrail.subjects.selectors import Selector, find

SESSION_FIELDS = (
    *("key", "started_at", "last_activity_at", "landing_page", "referrer", "utm_source"),
    *("utm_medium", "utm_campaign", "utm_content", "utm_term", "gclid", "fbclid", "yclid"),
    *("ga_client_id", "channel", "user_agent", "ip", "page_views"),
)


def export(db: Session, project: Project, selector: Selector, now: datetime) -> dict[str, Any]:
    catch_up(db)  # a page view acknowledged a moment ago is part of the answer
    subject = find(db, project, selector)
    sessions = db.scalars(
        select(WebSession).where(WebSession.id.in_(subject.session_ids)).order_by(WebSession.id)
    )
    calls = db.scalars(select(Call).where(Call.id.in_(subject.call_ids)).order_by(Call.id))
    visitor_ids = subject.visitor_ids | subject.touched_visitor_ids
    visitors = db.scalars(select(Visitor).where(Visitor.id.in_(visitor_ids)).order_by(Visitor.id))
    return {
        "project": {"id": project.id, "name": project.name},
        "selector": {"kind": selector.kind, "value": selector.value},
        "exported_at": iso(now),
        "visitors": [visitor_json(visitor) for visitor in visitors],
        "sessions": [session_json(db, session) for session in sessions],
        "calls": [call_json(db, call) for call in calls],
    }


def visitor_json(visitor: Visitor) -> dict[str, Any]:
    return {
        "id": visitor.key,
        "first_seen_at": iso(visitor.first_seen_at),
        "last_seen_at": iso(visitor.last_seen_at),
    }


def session_json(db: Session, session: WebSession) -> dict[str, Any]:
    found = {name: plain(getattr(session, name)) for name in SESSION_FIELDS}
    found["id"] = found.pop("key")
    page_views = queries.page_views(db, session.id)
    keys = {view.id: view.key for view in page_views}
    found["page_view_list"] = [
        {
            "id": view.key,
            "url": view.url,
            "title": view.title,
            "referrer": view.referrer,
            "viewed_at": iso(view.viewed_at),
        }
        for view in page_views
    ]
    found["entity_values"] = {
        name: {"value": value.value, "observed_at": iso(value.observed_at)}
        for value, name in queries.session_values(db, session.id)
    }
    found["entity_history"] = [
        {
            "entity": item.entity,
            "value": item.observation.value,
            "observed_at": iso(item.observation.observed_at),
            "page_view_id": keys.get(item.observation.page_view_id or 0),
        }
        for item in queries.history(db, session.id)
    ]
    return found


def call_json(db: Session, call: Call) -> dict[str, Any]:
    events = db.scalars(
        select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.id)
    )
    return {
        **CallData.of(call).as_json(),
        "visit": call.visit,
        "entities": call.entities,
        "events": [
            {"event": event.event, "at": iso(event.at), **(event.payload.get("fields") or {})}
            for event in events
        ],
    }


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def plain(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value
