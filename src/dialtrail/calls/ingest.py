"""Recording a telephony event: the one way a call comes into Dialtrail (docs/design.md §5).

``record_event`` runs inside the caller's transaction and does not commit. It is idempotent
by (provider, external call id, event): a repeat changes nothing and says it was a
duplicate (what it says is not compared: the first report of each event stands). Events may
come in any order, but an event that contradicts the call's others (consistency.py) is a 422
and nothing is stored; the call's times are rebuilt from all its events (``progress.py``).

Attribution and the visit and entity snapshots are taken once, when the call row is created,
"as of" the call's start (the ``started`` event's time, or the start the first event
implies), and never change afterwards, so every event and webhook of a call carries the same
values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dialtrail.api.errors import invalid_field
from dialtrail.calls import snapshots
from dialtrail.calls.attribution import attribute_call
from dialtrail.calls.consistency import contradiction
from dialtrail.calls.events import TelephonyEvent, from_payload
from dialtrail.calls.listeners import announce
from dialtrail.calls.models import Call, CallEvent
from dialtrail.calls.progress import Progress, estimated_start, progress
from dialtrail.hooks import Hooks
from dialtrail.numbers.models import TrackingNumber
from dialtrail.projects.models import Project

logger = logging.getLogger(__name__)
# Derives what the collector acknowledged and has not derived yet, in the given transaction
# (collector.deriver.catch_up; wired in wiring.py).
CATCH_UP: Hooks[Callable[[Session], object]] = Hooks("catch up with the collector's journal")


@dataclass(frozen=True)
class Recorded:
    call: Call
    event: CallEvent
    duplicate: bool


def record_event(
    db: Session,
    project: Project,
    event: TelephonyEvent,
    now: datetime,
    attributed_at: datetime | None = None,
    *,
    lenient: bool = False,
) -> Recorded:
    """``attributed_at``: the moment a new call is attributed and its snapshots taken, when
    not its start (the simulator's calls, which end now, are attributed as of now).
    ``lenient``: for a provider that cannot act on a 422 (Twilio logs it and never sends the
    event again), a contradiction is logged and the event kept; progress.py clamps the times."""
    refuse_contradiction([], event, lenient)
    call, created = find_or_create_call(db, project, event, attributed_at)
    # A call created by this transaction has no events yet; for one found locked, its events
    # are read once and serve the duplicate check, the consistency check and the progress.
    recorded = [] if created else events_of(db, call.id)
    existing = next((row for row in recorded if row.event == event.event), None)
    if existing is not None:
        return Recorded(call, existing, duplicate=True)
    refuse_contradiction([telephony_event(call, row) for row in recorded], event, lenient)
    row = CallEvent(
        call_id=call.id, event=event.event, at=event.at, received_at=now, payload=event.payload()
    )
    db.add(row)
    update_progress(db, call, [*recorded, row])
    announce(db, call, row)
    return Recorded(call, row, duplicate=False)


def record_start(
    db: Session, project: Project, started: TelephonyEvent, now: datetime
) -> str | None:
    """For a provider that asks where to send the call (Twilio, Telnyx, Vonage, which cannot
    act on a 422: lenient): records its start and returns the destination; a call with nowhere
    to go is recorded as failed at once, and None says so (the provider is told to hang up)."""
    call = record_event(db, project, started, now, lenient=True).call
    if call.destination:
        return call.destination
    record_event(
        db, project, replace(started, event="ended", disposition="failed"), now, lenient=True
    )
    return None


def refuse_contradiction(
    recorded: list[TelephonyEvent], event: TelephonyEvent, lenient: bool = False
) -> None:
    """A 422 naming the field when ``event`` contradicts itself or the call's other events;
    raised before anything of this event is written (the caller's transaction is not
    committed, so a call created for it goes too)."""
    found = contradiction(recorded, event)
    if found is None:
        return
    if lenient:
        logger.warning(
            "call %s: kept a %s event that contradicts the call (%s: %s)",
            event.external_id, event.event, found.field, found.message,
        )  # fmt: skip
        return
    raise invalid_field(found.field, found.message)


def find_or_create_call(
    db: Session, project: Project, event: TelephonyEvent, attributed_at: datetime | None
) -> tuple[Call, bool]:
    """The call, locked, and whether this transaction created it."""
    call = locked_call(db, project.id, event.provider, event.external_id)
    if call is not None:
        return call, False
    # docs/design.md §3: the attribution sees every collector event acknowledged so far, even
    # one the collector's deriver has not reached yet.
    for catch_up in CATCH_UP:
        catch_up(db)
    created = new_call(db, project, event, attributed_at)
    if inserted(db, created):
        return created, True
    # Another transaction recorded this call first (two events of one call at once, on
    # PostgreSQL); its row, and the attribution taken with it, stands.
    call = locked_call(db, project.id, event.provider, event.external_id)
    assert call is not None, "the call that won the race is committed"
    return call, False


def inserted(db: Session, call: Call) -> bool:
    """Inserts the new call; False when another transaction inserted it first."""
    if db.get_bind().dialect.name == "sqlite":
        # Every SQLite transaction begins IMMEDIATE (storage.engine): this one has held the
        # only write lock since before it looked the call up, so no other can have inserted
        # it, and a savepoint would cost two statements for nothing.
        db.add(call)
        db.flush()
        return True
    try:
        with db.begin_nested():
            db.add(call)
    except IntegrityError:
        return False
    return True


# Built once: every event runs them.
# FOR UPDATE: events of one call are applied one after another (PostgreSQL; SQLite serialises
# every write transaction anyway).
LOCKED_CALL = (
    select(Call)
    .where(
        Call.project_id == bindparam("project_id"),
        Call.provider == bindparam("provider"),
        Call.external_id == bindparam("external_id"),
    )
    .with_for_update()
)
EVENTS_OF_CALL = select(CallEvent).where(CallEvent.call_id == bindparam("call_id"))


def locked_call(db: Session, project_id: int, provider: str, external_id: str) -> Call | None:
    parameters = {"project_id": project_id, "provider": provider, "external_id": external_id}
    return db.scalar(LOCKED_CALL, parameters)


def events_of(db: Session, call_id: int) -> list[CallEvent]:
    """The call's recorded events (at most one of each kind)."""
    return list(db.scalars(EVENTS_OF_CALL, {"call_id": call_id}))


def new_call(
    db: Session, project: Project, event: TelephonyEvent, attributed_at: datetime | None
) -> Call:
    if event.called is None:
        raise invalid_field("called", "the number dialled is needed to record a new call")
    start = event.at if event.event == "started" else first_event_start(event)
    moment = attributed_at or start
    found, number = attribute_call(
        db, project.id, event.called, moment, project.late_call_seconds, event.caller
    )
    taken = snapshots.take(db, project.id, found.session_id, moment)
    call = Call(
        project_id=project.id,
        provider=event.provider,
        external_id=event.external_id,
        direction="incoming",
        caller=event.caller,
        caller_raw=event.caller_raw,
        tracking_number=event.called,
        tracking_number_id=number.id if number else None,
        destination=event.destination or configured_destination(project, number),
        started_at=start,
        insertion_type=found.insertion_type,
        attribution=found.attribution,
        source_label=found.source_label,
        session_id=found.session_id,
        visitor_id=taken.visitor_id,
        candidate_session_ids=list(found.candidate_session_ids),
        is_first_call=is_first_call(db, project.id, event.caller, start),
        visit=taken.visit.as_json() if taken.visit else {},
        entities=taken.entities,
    )
    # Its times as its first event gives them, so that the row is inserted complete (no
    # UPDATE follows when the event is recorded).
    apply_progress(call, progress([event]))
    return call


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


def is_first_call(db: Session, project_id: int, caller: str | None, start: datetime) -> bool:
    """The caller never called this project before. A withheld caller cannot be told apart
    from anyone else, and a caller that is not a phone number (an internal extension, a SIP
    address) is not a new customer's number, so neither is ever a first call."""
    if caller is None:
        return False
    earlier = select(Call.id).where(
        Call.project_id == project_id, Call.caller == caller, Call.started_at <= start
    )
    return db.scalar(earlier.limit(1)) is None


def update_progress(db: Session, call: Call, rows: list[CallEvent]) -> None:
    """Rebuilds the call's times from ``rows``, all its events (the new one included)."""
    apply_progress(call, progress([telephony_event(call, row) for row in rows]))
    db.flush()


def telephony_event(call: Call, row: CallEvent) -> TelephonyEvent:
    return from_payload(call.provider, call.project_id, call.external_id, row.event, row.payload)


def apply_progress(call: Call, current: Progress) -> None:
    """Sets the call's times; a caller, destination or recording URL no event gave keeps
    the call's own (the configured destination, say)."""
    kept = ("destination", "caller", "caller_raw", "recording_url")
    for name, value in vars(current).items():
        if value is not None or name not in kept:
            setattr(call, name, value)
