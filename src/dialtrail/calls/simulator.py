"""``dialtrail simulate-call``: a made-up call recorded through the same ingest as real ones
(provider ``simulator``), to try attribution, the calls journal and webhooks without a
telephony account.

The call ends now: it started ``RING_SECONDS`` + ``duration`` seconds ago, was answered
``RING_SECONDS`` after that (unless the disposition says nobody answered), so that no event
lies in the future (a call page would show it happening after it was received). It is
attributed, and its snapshots taken, as of now rather than its start: the point is to call
the number a page shows now, and that page may have got it less than a call's length ago.

Nor does it start before the visit it goes to: someone who dials a number seen on a page
called after seeing it. When the visit's latest page was viewed less than a call's length
ago, the call starts then and is shortened (ringing first, then talk), so the call page shows
the visit's pages and the calls journal lists the call after the visit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialtrail.api.errors import not_found
from dialtrail.calls.attribution import attribute_call
from dialtrail.calls.events import TelephonyEvent, caller_field, phone_field
from dialtrail.calls.ingest import record_event
from dialtrail.calls.models import Call
from dialtrail.numbers.models import TrackingNumber
from dialtrail.projects.models import Project
from dialtrail.sessions.models import PageView, WebSession

PROVIDER = "simulator"
RING_SECONDS = 5
ANSWERED = ("answered", "voicemail")


@dataclass(frozen=True)
class SimulatedCall:
    project_id: int
    to: str
    caller: str | None = None  # None: an example number of the project's country
    duration: int = 60
    disposition: str = "answered"


def simulate_call(db: Session, spec: SimulatedCall, now: datetime) -> Call:
    project = db.get(Project, spec.project_id)
    if project is None:
        raise not_found(f"project {spec.project_id}")
    called = phone_field(spec.to, project.country, "--to")
    seen_at = number_seen_at(db, project, called, now)
    for event in events(project, spec, called, timing(spec, seen_at, now), now):
        call = record_event(db, project, event, now, attributed_at=now).call
    return call


def number_seen_at(db: Session, project: Project, called: str, now: datetime) -> datetime | None:
    """When the visit that a call to ``called`` now goes to last viewed a page (or started):
    the call cannot have started before its caller saw the number. None without a visit."""
    found, _ = attribute_call(db, project.id, called, now, project.late_call_seconds)
    if found.session_id is None:
        return None
    latest = db.scalar(
        select(func.max(PageView.viewed_at)).where(
            PageView.session_id == found.session_id, PageView.viewed_at <= now
        )
    )
    return latest or db.scalar(
        select(WebSession.started_at).where(WebSession.id == found.session_id)
    )


@dataclass(frozen=True)
class Timing:
    """How long the call rang and, when answered, talked; it ends now."""

    ringing: timedelta
    talk: timedelta


def timing(spec: SimulatedCall, seen_at: datetime | None, now: datetime) -> Timing:
    """As asked (ringing RING_SECONDS, then ``duration`` of talk; a missed call rings for
    ``duration``), or squeezed into the time since the number was seen: ringing first."""
    answered = spec.disposition in ANSWERED
    ringing = timedelta(seconds=RING_SECONDS if answered else spec.duration)
    talk = timedelta(seconds=spec.duration if answered else 0)
    if seen_at is None or now - seen_at >= ringing + talk:
        return Timing(ringing, talk)
    available = max(now - seen_at, timedelta(0))
    ringing = min(ringing, available)
    return Timing(ringing, available - ringing)


def events(
    project: Project, spec: SimulatedCall, called: str, lengths: Timing, now: datetime
) -> list[TelephonyEvent]:
    country = caller_country(project, called)
    caller = caller_field(spec.caller or example_caller(country), country)
    call_id = f"sim-{secrets.token_hex(8)}"

    def event(name: str, before_now: timedelta, disposition: str | None = None) -> TelephonyEvent:
        at = now - before_now
        return TelephonyEvent(
            PROVIDER,
            project.id,
            call_id,
            name,
            caller.number,
            called,
            at,
            disposition=disposition,
            caller_raw=caller.raw,
        )

    nothing = timedelta(0)
    if spec.disposition not in ANSWERED:
        return [event("started", lengths.ringing), event("ended", nothing, spec.disposition)]
    return [
        event("started", lengths.ringing + lengths.talk),
        event("answered", lengths.talk),
        event("ended", nothing, spec.disposition),
    ]


def example_caller(country: str | None) -> str | None:
    """A valid mobile number of the country (phonenumbers' example), or withheld when the
    library has none for it."""
    mobile = phonenumbers.PhoneNumberType.MOBILE
    example = phonenumbers.example_number_for_type(country or "US", mobile)
    if example is None:
        return None
    return str(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))


def caller_country(project: Project, called: str) -> str | None:
    """The country a national caller's number is read in: the project's, else the number
    dialled's (someone typing "(212) 555-0199" to a +1 212 number means New York)."""
    if project.country:
        return project.country
    region = phonenumbers.region_code_for_number(phonenumbers.parse(called, None))
    return None if region in (None, "ZZ", "001") else str(region)


def notes(db: Session, project: Project, call: Call) -> list[str]:
    """What the person at the terminal should know about the call just recorded."""
    found: list[str] = []
    if call.caller is None and call.caller_raw:
        country = caller_country(project, call.tracking_number) or "none"
        found.append(
            f"note: the caller {call.caller_raw!r} could not be read as a phone number "
            f"(national spellings read as country: {country}); recorded as sent, without a "
            "caller number: write it as +<country code><number>"
        )
    if not has_number(db, project, call.tracking_number):
        found.append(unknown_number_note(db, project, call.tracking_number))
    return found


def has_number(db: Session, project: Project, number: str) -> bool:
    query = select(TrackingNumber.id).where(
        TrackingNumber.project_id == project.id, TrackingNumber.number == number
    )
    return db.scalar(query.limit(1)) is not None


def unknown_number_note(db: Session, project: Project, number: str) -> str:
    query = select(TrackingNumber.number).where(
        TrackingNumber.project_id == project.id, TrackingNumber.removed_at.is_(None)
    )
    known = list(db.scalars(query.order_by(TrackingNumber.number).limit(5)))
    choice = f"; its numbers include {', '.join(known)}" if known else "; it has no numbers yet"
    return (
        f"note: {number} is not a tracking number of project {project.id} ({project.name}): "
        f"the call is recorded but belongs to no visit{choice}"
    )
