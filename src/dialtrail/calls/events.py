"""A telephony event in Dialtrail's own terms, whatever provider reported it, and the checks
that turn a provider's fields into one (E.164 numbers, a withheld caller).

Adapters (the generic JSON API, Twilio, the simulator) build a ``TelephonyEvent`` and hand it
to ``ingest.record_event``; nothing past that point knows which provider spoke.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dialtrail.api.errors import invalid_field
from dialtrail.projects import validation

EVENTS = ("started", "answered", "ended")

# How providers spell a caller who hid their number: Twilio sends "anonymous" (or
# "+266696687", a Lesotho number that is really "no caller id"), carriers "restricted",
# "private", "unknown" or "unavailable".
WITHHELD_CALLERS = frozenset(
    {"", "anonymous", "restricted", "private", "unknown", "unavailable", "withheld"}
)
WITHHELD_CALLER_NUMBERS = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696"})


@dataclass(frozen=True)
class TelephonyEvent:
    provider: str  # "api", "twilio", "simulator"
    project_id: int
    external_id: str  # the provider's call id
    event: str  # started | answered | ended
    caller: str | None  # E.164; None when withheld
    # E.164 of the tracking number dialled; None when the event does not say (a Twilio
    # status callback about the forwarded leg, whose "To" is the destination).
    called: str | None
    at: datetime  # when it happened, per the provider (aware)
    destination: str | None = None
    disposition: str | None = None
    duration_seconds: int | None = None
    talk_seconds: int | None = None
    recording_url: str | None = None
    received: Mapping[str, Any] = field(default_factory=dict)  # as the provider sent it

    def fields_json(self) -> dict[str, Any]:
        """What this event says, as stored in ``call_events.payload["fields"]``: a call's
        progress is rebuilt from these whatever order its events came in."""
        return {
            "caller": self.caller,
            "called": self.called,
            "at": self.at.isoformat(),
            "destination": self.destination,
            "disposition": self.disposition,
            "duration_seconds": self.duration_seconds,
            "talk_seconds": self.talk_seconds,
            "recording_url": self.recording_url,
        }

    def payload(self) -> dict[str, Any]:
        return {"fields": self.fields_json(), "received": dict(self.received)}


def from_payload(
    provider: str, project_id: int, external_id: str, event: str, payload: Mapping[str, Any]
) -> TelephonyEvent:
    fields = dict(payload["fields"])
    fields["at"] = datetime.fromisoformat(fields["at"])
    return TelephonyEvent(provider, project_id, external_id, event, **fields)


# Times outside these years are typing mistakes (or probes), and far enough out they overflow
# date arithmetic ("at - duration_seconds").
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def time_field(moment: datetime, field_name: str) -> datetime:
    if not EARLIEST <= moment < LATEST:
        raise invalid_field(field_name, "expected a time between the years 2000 and 2099")
    return moment


def phone_field(raw: str, country: str | None, field_name: str) -> str:
    """E.164 of a number in any usual spelling, or a 422 naming the field."""
    try:
        return validation.normalise_phone_number(raw, country)
    except ValueError as error:
        raise invalid_field(field_name, str(error)) from None


def caller_field(raw: str | None, country: str | None, field_name: str) -> str | None:
    """The caller in E.164, or None when the caller withheld their number."""
    if raw is None or raw.strip().lower() in WITHHELD_CALLERS | WITHHELD_CALLER_NUMBERS:
        return None
    return phone_field(raw, country, field_name)


def destination_field(raw: str | None, country: str | None, field_name: str) -> str | None:
    if raw is None:
        return None
    try:
        return validation.normalise_destination(raw, country)
    except ValueError as error:
        raise invalid_field(field_name, str(error)) from None
