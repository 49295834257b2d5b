"""Recording what a PBX reported: only calls to one of the project's tracking numbers, each
event once (ingest.record_event is idempotent by provider, call id and event), and kept even
when it contradicts the call's other events (docs/design.md §5): a PBX never sends an event
again, so refusing it would lose the fact. Each outcome is noted on the settings row for the
admin (the last RECENT_EVENTS), in the event's own transaction.

A call whose channels were gone when the listener logged in again ended while nobody listened:
``close_inferred`` ends it as of then, from what is known (answered: answered, talk time up to
then; else no answer), with a note on the event and a warning in the log saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError
from dialtrail.calls.adapters.pbx.events import PbxEvent, seconds_between
from dialtrail.calls.adapters.pbx.models import RECENT_EVENTS, PbxSettingsColumns
from dialtrail.calls.events import TelephonyEvent, caller_field
from dialtrail.calls.ingest import locked_call, record_event
from dialtrail.calls.models import Call
from dialtrail.numbers.models import TrackingNumber
from dialtrail.projects import validation
from dialtrail.projects.models import Project

logger = logging.getLogger(__name__)
MAX_DETAIL = 300
INFERRED = (
    "the end was inferred: the connection to the PBX was lost, and when it was back the "
    "call's channels were gone; ended as of then"
)


@dataclass(frozen=True)
class Outcome:
    kind: str  # recorded | duplicate | ignored | refused
    detail: str = ""

    @property
    def noted(self) -> bool:
        """Ignored events are noted only when they start a call: the admin then sees which
        dialled numbers are not tracking numbers, without every internal call's chatter."""
        return self.kind != "ignored" or bool(self.detail)


def record(
    db: Session, model: type[PbxSettingsColumns], provider: str, project_id: int,
    event: PbxEvent, now: datetime,
) -> Outcome:  # fmt: skip
    """Records ``event`` for the project and notes the outcome; the caller commits."""
    project = db.get(Project, project_id)
    if project is None:
        return Outcome("ignored")
    outcome = recorded_outcome(db, project, provider, event, now)
    if outcome.noted:
        note_event(db, model, project_id, event, outcome, now)
    return outcome


def recorded_outcome(
    db: Session, project: Project, provider: str, event: PbxEvent, now: datetime
) -> Outcome:
    called = tracking_number(db, project, event.called)
    if called is None and not known_call(db, project.id, provider, event):
        return Outcome("ignored", not_tracked(event, project.country))
    try:
        found = record_event(db, project, telephony_event(project, provider, event, called), now,
                             lenient=True)  # fmt: skip
    except ApiError as error:
        db.rollback()
        return Outcome("refused", error.message[:MAX_DETAIL])
    return Outcome("duplicate" if found.duplicate else "recorded")


def not_tracked(event: PbxEvent, country: str | None) -> str:
    """Why a call is not followed, for the admin: a PBX often gives the DID in national form
    (``2125550191``), which a project without a country cannot read, or no number at all
    (``s``, an extension), which the DID settings fix."""
    if event.event != "started":
        return ""
    if not event.called:
        return "no dialled number: not one of the project's tracking numbers"
    try:
        validation.normalise_phone_number(event.called, country)
    except ValueError as error:
        return f"{event.called} could not be read as a tracking number: {error}"[:MAX_DETAIL]
    return f"{event.called} is not one of the project's tracking numbers"[:MAX_DETAIL]


def tracking_number(db: Session, project: Project, dialled: str | None) -> str | None:
    """The dialled number in E.164 when it is one of the project's tracking numbers."""
    if not dialled:
        return None
    try:
        number = validation.normalise_phone_number(dialled, project.country)
    except ValueError:
        return None  # an extension ("101"), "s": not a phone number
    found = select(TrackingNumber.id).where(
        TrackingNumber.project_id == project.id, TrackingNumber.number == number
    )
    return number if db.scalar(found.limit(1)) is not None else None


def known_call(db: Session, project_id: int, provider: str, event: PbxEvent) -> bool:
    """An event that does not say the dialled number belongs to a call recorded earlier (a
    listener restarted mid-call): only such a call's events are recorded without it."""
    if event.called is not None:
        return False
    return locked_call(db, project_id, provider, event.call_id) is not None


def calls_in_progress(db: Session, provider: str, project_id: int) -> Iterator[str]:
    """The PBX's ids of the project's calls recorded without an end."""
    found = select(Call.external_id).where(
        Call.project_id == project_id, Call.provider == provider, Call.ended_at.is_(None)
    )
    yield from db.scalars(found)


def close_inferred(
    db: Session, model: type[PbxSettingsColumns], provider: str, project_id: int,
    call_id: str, now: datetime,
) -> Outcome:  # fmt: skip
    """Ends the call as of ``now``; nothing when it has ended meanwhile. The caller commits."""
    project = db.get(Project, project_id)
    call = locked_call(db, project_id, provider, call_id)
    if project is None or call is None or call.ended_at is not None:
        return Outcome("duplicate")
    event = inferred_end(call, now)
    record_event(db, project, event, now, lenient=True)
    logger.warning("%s call %s of project %s: %s", provider, call_id, project_id, INFERRED)
    outcome = Outcome("recorded", INFERRED)
    noted = PbxEvent(call_id, "ended", call.tracking_number, call.caller, now)
    note_event(db, model, project_id, noted, outcome, now)
    return outcome


def inferred_end(call: Call, now: datetime) -> TelephonyEvent:
    answered = call.answered_at is not None
    return TelephonyEvent(
        provider=call.provider,
        project_id=call.project_id,
        external_id=call.external_id,
        event="ended",
        caller=call.caller,
        caller_raw=call.caller_raw,
        called=call.tracking_number,
        at=now,
        disposition="answered" if answered else "no_answer",
        duration_seconds=seconds_between(call.started_at, now),
        talk_seconds=seconds_between(call.answered_at, now) if answered else 0,
        note=INFERRED,
    )


def telephony_event(
    project: Project, provider: str, event: PbxEvent, called: str | None
) -> TelephonyEvent:
    caller = caller_field(event.caller, project.country)
    return TelephonyEvent(
        provider=provider,
        project_id=project.id,
        external_id=event.call_id,
        event=event.event,
        caller=caller.number,
        caller_raw=caller.raw,
        called=called,
        at=event.at,
        disposition=event.disposition,
        duration_seconds=event.duration_seconds,
        talk_seconds=event.talk_seconds,
        recording_url=event.recording,
        received=dict(event.received),
    )


def note_event(
    db: Session, model: type[PbxSettingsColumns], project_id: int, event: PbxEvent,
    outcome: Outcome, now: datetime,
) -> None:  # fmt: skip
    recent = db.scalar(select(model.recent_events).where(model.project_id == project_id))
    if recent is None:
        return  # no settings row (removed meanwhile)
    entry: dict[str, Any] = {
        "received_at": now.isoformat(),
        "call": event.call_id,
        "event": event.event,
        "called": event.called,
        "outcome": outcome.kind,
        "detail": outcome.detail,
    }
    kept = [entry, *recent][:RECENT_EVENTS]
    # Only this column (updated_at stays the settings' own), so a settings change saved
    # meanwhile is never overwritten.
    db.execute(
        update(model)
        .where(model.project_id == project_id)
        .values(recent_events=kept, updated_at=model.updated_at)
        .execution_options(synchronize_session=False)
    )


def note_state(
    db: Session, model: type[PbxSettingsColumns], project_id: int, state: str, reason: str,
    now: datetime,
) -> None:  # fmt: skip
    """The listener's connection state (only the state columns)."""
    db.execute(
        update(model)
        .where(model.project_id == project_id)
        .values(
            state=state,
            state_reason=reason[:MAX_DETAIL],
            state_at=now,
            updated_at=model.updated_at,
        )
        .execution_options(synchronize_session=False)
    )
