"""Erasing a data subject (docs/privacy.md, "Erasure and export"): in one transaction, the
subject's sessions go with their page views, values, observations and number leases (live
leases closed first, so the pool's counts stay true), their journal rows, and visitors left
without sessions; an entity's last error forgets its page when it was one of theirs; their
calls stay, counted, but lose the caller, the recording, the visit and entity snapshots and
their links to sessions; call events and webhook deliveries of those calls are rewritten the
same way (a delivery not yet sent goes out anonymised), and their attempts lose the response
bodies and query strings; the reports' rollups of the days concerned are dropped (they hold
callers and group keys), to be summed again from what is left. The erasure log records the
counts, the selector's kind, who and when — never the selector's value.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from dialtrail.calls.models import Call, CallEvent
from dialtrail.collector.deriver import catch_up
from dialtrail.collector.models import JournalEvent
from dialtrail.entities.models import ERROR_URL_LENGTH, TrackingEntity
from dialtrail.numbers import leasing
from dialtrail.numbers.models import NumberLease
from dialtrail.projects.models import Project
from dialtrail.reports.rollup import forget_changed_days
from dialtrail.sessions.changed_days import mark_sessions
from dialtrail.sessions.models import EntityObservation, PageView, Visitor, WebSession
from dialtrail.subjects.models import Erasure
from dialtrail.subjects.selectors import Selector, Subject, find
from dialtrail.webhooks.models import WebhookAttempt, WebhookDelivery

ANONYMOUS_CALL: dict[str, Any] = {
    "caller": None,
    "caller_raw": None,
    "recording_url": None,
    "visit": {},
    "entities": {},
    "session_id": None,
    "visitor_id": None,
}
ERASED_EVENT_FIELDS = ("caller", "caller_raw", "recording_url")
SCRIPT_ERROR_URL_LENGTH = 1000  # the script's cut of an error report's page address


def erase(
    db: Session, project: Project, selector: Selector, requested_by: str, now: datetime
) -> Erasure:
    """Erases in the caller's transaction (the caller commits) and returns the log row.
    What the collector acknowledged is derived first, so the count and the leases are whole."""
    catch_up(db)
    subject = find(db, project, selector)
    counts = {
        "calls": anonymise_calls(db, subject),
        **erase_sessions(db, subject, now),
    }
    # The rollups of the days these sessions and calls were counted in go now: they hold the
    # callers and group keys (landing pages, entity values) of those days, and the next
    # report sums the days again from the rows that are left.
    db.flush()
    forget_changed_days(db, project.id, project.timezone)
    entry = Erasure(
        project_id=project.id,
        selector_kind=selector.kind,
        requested_by=requested_by[:100],
        counts=counts,
        erased_at=now,
    )
    db.add(entry)
    db.flush()
    return entry


def erase_sessions(db: Session, subject: Subject, now: datetime) -> dict[str, int]:
    ids = sorted(subject.session_ids)
    keys = list(db.scalars(select(WebSession.key).where(WebSession.id.in_(ids))))
    counts = {
        "sessions": len(keys),
        "page_views": count(db, PageView, PageView.session_id.in_(ids)),
        "observations": count(db, EntityObservation, EntityObservation.session_id.in_(ids)),
        "journal_rows": delete_journal_rows(db, subject.project_id, keys),
    }
    forget_error_pages(db, subject.project_id, ids)
    close_live_leases(db, subject.project_id, ids, now)
    for chunk in chunks(ids):
        mark_sessions(db, chunk)  # deleted in bulk, which no flush sees
        db.execute(delete(WebSession).where(WebSession.id.in_(chunk)))
    counts["visitors"] = delete_visitors(db, subject)
    return counts


def forget_error_pages(db: Session, project_id: int, session_ids: list[int]) -> None:
    """An entity's last error keeps the page it happened on: when that is a page of the
    subject's (as the script cut it, or as the collector kept it), the page goes."""
    pages: set[str] = set()
    for chunk in chunks(session_ids):
        urls = db.scalars(select(PageView.url).where(PageView.session_id.in_(chunk)))
        cuts = (SCRIPT_ERROR_URL_LENGTH, ERROR_URL_LENGTH)
        pages.update(url[:cut] for url in urls for cut in cuts)
    for chunk in chunks(sorted(pages)):
        db.execute(
            update(TrackingEntity)
            .where(
                TrackingEntity.project_id == project_id, TrackingEntity.last_error_url.in_(chunk)
            )
            .values(last_error_url=None, updated_at=TrackingEntity.updated_at)
        )


def close_live_leases(db: Session, project_id: int, session_ids: list[int], now: datetime) -> None:
    """A live lease would be deleted with its session while its number still counts it: it
    is ended now and closed as an expired one, so the number is free again."""
    if not session_ids:
        return
    db.execute(
        update(NumberLease)
        .where(
            NumberLease.session_id.in_(session_ids),
            NumberLease.released_at.is_(None),
            NumberLease.expires_at > now,
        )
        .values(expires_at=now)
    )
    leasing.close_expired(db.connection(), project_id, now)


def delete_journal_rows(db: Session, project_id: int, session_keys: list[str]) -> int:
    connection, deleted = db.connection(), 0
    for chunk in chunks(session_keys):
        deleted += connection.execute(
            delete(JournalEvent).where(
                JournalEvent.project_id == project_id, JournalEvent.session_key.in_(chunk)
            )
        ).rowcount
    return deleted


def delete_visitors(db: Session, subject: Subject) -> int:
    """The visitors named whole, and those of the erased sessions left without one."""
    orphan = ~exists().where(WebSession.visitor_id == Visitor.id)
    candidates = sorted(subject.visitor_ids | subject.touched_visitor_ids)
    connection, deleted = db.connection(), 0
    for chunk in chunks(candidates):
        deleted += connection.execute(delete(Visitor).where(Visitor.id.in_(chunk), orphan)).rowcount
    return deleted


def anonymise_calls(db: Session, subject: Subject) -> int:
    ids = sorted(subject.call_ids)
    erased_sessions = subject.session_ids
    for call in db.scalars(select(Call).where(Call.id.in_(ids))):
        for name, value in ANONYMOUS_CALL.items():
            setattr(call, name, value)
        call.candidate_session_ids = [
            item for item in call.candidate_session_ids if item not in erased_sessions
        ]
    for event in db.scalars(select(CallEvent).where(CallEvent.call_id.in_(ids))):
        event.payload = anonymous_event_payload(event.payload)
    rewrite_deliveries(db, ids)
    db.flush()
    return len(ids)


def anonymous_event_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The event's fields without the caller and the recording (the call's progress is rebuilt
    from the rest), and nothing of the provider's request."""
    fields = dict(payload.get("fields") or {})
    fields.update({name: None for name in ERASED_EVENT_FIELDS if name in fields})
    return {"fields": fields, "received": {}}


def rewrite_deliveries(db: Session, call_ids: list[int]) -> None:
    """Every delivery of the calls carries the anonymised call from now on: a pending one is
    sent so, a sent one keeps no copy; its attempts keep status, timing and error, not the
    receiver's answer nor a query string that may have carried the values."""
    deliveries = db.scalars(select(WebhookDelivery).where(WebhookDelivery.call_id.in_(call_ids)))
    delivery_ids = []
    for delivery in deliveries:
        delivery.data = anonymous_delivery_data(delivery.data)
        delivery_ids.append(delivery.id)
    attempts = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids))
    for attempt in db.scalars(attempts):
        attempt.response_body = None
        attempt.request_url = attempt.request_url.partition("?")[0]


def anonymous_delivery_data(data: dict[str, Any]) -> dict[str, Any]:
    call = dict(data.get("call") or {})
    call.update({name: None for name in ERASED_EVENT_FIELDS if name in call})
    return {**data, "call": call, "visit": {}, "entities": {}}


def count(db: Session, model: type[Any], condition: Any) -> int:
    return db.scalar(select(func.count()).select_from(model).where(condition)) or 0


def chunks(items: Iterable[Any], size: int = 500) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
