"""``dialtrail simulate-call``: a made-up call recorded through the same ingest as real ones
(provider ``simulator``), to try attribution, the calls journal and webhooks without a
telephony account.

The call ends now: it started ``RING_SECONDS`` + ``duration`` seconds ago, was answered
``RING_SECONDS`` after that (unless the disposition says nobody answered), so that no event
lies in the future (a call page would show it happening after it was received). It is
attributed, and its snapshots taken, as of now rather than its start: the point is to call
the number a page shows now, and that page may have got it less than a call's length ago.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy.orm import Session

from dialtrail.api.errors import not_found
from dialtrail.calls.events import TelephonyEvent, caller_field, phone_field
from dialtrail.calls.ingest import record_event
from dialtrail.calls.models import Call
from dialtrail.projects.models import Project

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
    for event in events(project, spec, now):
        call = record_event(db, project, event, now, attributed_at=now).call
    return call


def events(project: Project, spec: SimulatedCall, now: datetime) -> list[TelephonyEvent]:
    country = project.country
    caller = caller_field(spec.caller or example_caller(country), country)
    called = phone_field(spec.to, country, "--to")
    call_id = f"sim-{secrets.token_hex(8)}"

    def event(name: str, seconds_ago: int, disposition: str | None = None) -> TelephonyEvent:
        at = now - timedelta(seconds=seconds_ago)
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

    if spec.disposition not in ANSWERED:
        return [event("started", spec.duration), event("ended", 0, spec.disposition)]
    return [
        event("started", RING_SECONDS + spec.duration),
        event("answered", spec.duration),
        event("ended", 0, spec.disposition),
    ]


def example_caller(country: str | None) -> str | None:
    """A valid mobile number of the country (phonenumbers' example), or withheld when the
    library has none for it."""
    mobile = phonenumbers.PhoneNumberType.MOBILE
    example = phonenumbers.example_number_for_type(country or "US", mobile)
    if example is None:
        return None
    return str(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
