"""Recording a telephony event: the one way a call comes into Dialtrail (DESIGN §5).

``record_event`` runs inside the caller's transaction and does not commit. It is idempotent
by (provider, external call id, event): a repeat changes nothing and says it was a
duplicate. Events may come in any order; the call's times are rebuilt from all its events
(``progress.py``). Attribution and the visit and entity snapshots are taken once, when the
call row is created, "as of" the call's start (the ``started`` event's time, or the start
the first event implies), and never change afterwards, so every event and webhook of a call
carries the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dialtrail.api.errors import invalid_field
from dialtrail.calls import snapshots
from dialtrail.calls.attribution import attribute_call
from dialtrail.calls.events import TelephonyEvent, from_payload
from dialtrail.calls.listeners import announce
from dialtrail.calls.models import Call, CallEvent
from dialtrail.calls.progress import estimated_start, progress
from dialtrail.numbers.models import TrackingNumber
from dialtrail.projects.models import Project
from dialtrail.sessions.models import WebSession


@dataclass(frozen=True)
class Recorded:
    call: Call
    event: CallEvent
    duplicate: bool


def record_event(db: Session, project: Project, event: TelephonyEvent, now: datetime) -> Recorded:
    call = find_or_create_call(db, project, event)
    existing = find_event(db, call.id, event.event)
    if existing is not None:
        return Recorded(call, existing, duplicate=True)
    row = CallEvent(
        call_id=call.id, event=event.event, at=event.at, received_at=now, payload=event.payload()
    )
    db.add(row)
    db.flush()
    update_progress(db, call)
    announce(db, call, row)
    return Recorded(call, row, duplicate=False)


def find_or_create_call(db: Session, project: Project, event: TelephonyEvent) -> Call:
    call = locked_call(db, project.id, event.provider, event.external_id)
    if call is not None:
        return call
    created = new_call(db, project, event)
    try:
        with db.begin_nested():
            db.add(created)
    except IntegrityError:
        # Another transaction recorded this call first (two events of one call at once, on
        # PostgreSQL); its row, and the attribution taken with it, stands.
        call = locked_call(db, project.id, event.provider, event.external_id)
        assert call is not None, "the call that won the race is committed"
        return call
    return created


def locked_call(db: Session, project_id: int, provider: str, external_id: str) -> Call | None:
    # FOR UPDATE: events of one call are applied one after another (PostgreSQL; SQLite
    # serialises every write transaction anyway).
    query = (
        select(Call)
        .where(
            Call.project_id == project_id,
            Call.provider == provider,
            Call.external_id == external_id,
        )
        .with_for_update()
    )
    return db.scalar(query)


def find_event(db: Session, call_id: int, event: str) -> CallEvent | None:
    query = select(CallEvent).where(CallEvent.call_id == call_id, CallEvent.event == event)
    return db.scalar(query)


def new_call(db: Session, project: Project, event: TelephonyEvent) -> Call:
    if event.called is None:
        raise invalid_field("called", "the number dialled is needed to record a new call")
    start = event.at if event.event == "started" else first_event_start(event)
    found, number = attribute_call(db, project.id, event.called, start, project.late_call_seconds)
    return Call(
        project_id=project.id,
        provider=event.provider,
        external_id=event.external_id,
        direction="incoming",
        caller=event.caller,
        tracking_number=event.called,
        tracking_number_id=number.id if number else None,
        destination=event.destination or configured_destination(project, number),
        started_at=start,
        insertion_type=found.insertion_type,
        attribution=found.attribution,
        source_label=found.source_label,
        session_id=found.session_id,
        visitor_id=visitor_of(db, found.session_id),
        candidate_session_ids=list(found.candidate_session_ids),
        is_first_call=is_first_call(db, project.id, event.caller, start),
        visit=snapshots.visit_snapshot(db, found.session_id, start),
        entities=snapshots.entity_snapshot(db, project.id, found.session_id, start),
    )


def first_event_start(event: TelephonyEvent) -> datetime:
    if event.event == "answered":
        return estimated_start(event, None)
    return estimated_start(None, event)


def configured_destination(project: Project, number: TrackingNumber | None) -> str | None:
    """Where the call was forwarded when the telephony does not say: the number's own
    destination, else the project's."""
    if number is not None and number.destination:
        return number.destination
    return project.destination


def visitor_of(db: Session, session_id: int | None) -> int | None:
    if session_id is None:
        return None
    return db.scalar(select(WebSession.visitor_id).where(WebSession.id == session_id))


def is_first_call(db: Session, project_id: int, caller: str | None, start: datetime) -> bool:
    """The caller never called this project before; a withheld caller cannot be told apart
    from anyone else, so their call is never a first call."""
    if caller is None:
        return False
    earlier = select(Call.id).where(
        Call.project_id == project_id, Call.caller == caller, Call.started_at <= start
    )
    return db.scalar(earlier.limit(1)) is None


def update_progress(db: Session, call: Call) -> None:
    rows = db.scalars(select(CallEvent).where(CallEvent.call_id == call.id))
    events = [
        from_payload(call.provider, call.project_id, call.external_id, row.event, row.payload)
        for row in rows
    ]
    current = progress(events)
    for name, value in vars(current).items():
        if value is not None or name not in ("destination", "caller", "recording_url"):
            setattr(call, name, value)
    db.flush()
