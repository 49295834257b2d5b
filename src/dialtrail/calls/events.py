"""A telephony event in Dialtrail's own terms, whatever provider reported it, and the checks
that turn a provider's fields into one (E.164 numbers, a withheld caller, a caller that is not
a phone number, times within reason).

Adapters (the generic JSON API, Twilio, the simulator) build a ``TelephonyEvent`` and hand it
to ``ingest.record_event``; nothing past that point knows which provider spoke.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dialtrail.api.errors import invalid_field
from dialtrail.projects import validation

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
    caller: str | None  # E.164; None when withheld or not a phone number
    # E.164 of the tracking number dialled; None when the event does not say (a Twilio
    # status callback about the forwarded leg, whose "To" is the destination).
    called: str | None
    at: datetime  # when it happened, per the provider (aware)
    destination: str | None = None
    disposition: str | None = None
    duration_seconds: int | None = None
    talk_seconds: int | None = None
    recording_url: str | None = None
    # The caller as sent when it is not a phone number (an extension "101", a SIP address);
    # None when ``caller`` holds the number or the caller is withheld.
    caller_raw: str | None = None
    received: Mapping[str, Any] = field(default_factory=dict)  # as the provider sent it
    # What Dialtrail says about the event itself (an end it inferred), shown with the call's
    # events; not one of the facts the call's progress is rebuilt from.
    note: str | None = None

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
            "caller_raw": self.caller_raw,
        }

    def payload(self) -> dict[str, Any]:
        stored = {"fields": self.fields_json(), "received": dict(self.received)}
        return stored | ({"note": self.note} if self.note else {})


def from_payload(
    provider: str, project_id: int, external_id: str, event: str, payload: Mapping[str, Any]
) -> TelephonyEvent:
    fields = dict(payload["fields"])
    fields["at"] = datetime.fromisoformat(fields["at"])
    return TelephonyEvent(provider, project_id, external_id, event, **fields)


# Times before 2000 are typing mistakes (or probes); a time more than a few minutes ahead of
# the server's clock is a wrong clock or a wrong zone, and such a call would sit at the top of
# the journal for ever. A few minutes of skew between clocks are tolerated.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
ALLOWED_CLOCK_SKEW = timedelta(minutes=5)


def time_field(moment: datetime, field_name: str, now: datetime) -> datetime:
    if moment < EARLIEST:
        raise invalid_field(field_name, "expected a time in the year 2000 or later")
    if moment > now + ALLOWED_CLOCK_SKEW:
        raise invalid_field(field_name, ahead_of_clock(moment, now))
    return moment


def ahead_of_clock(moment: datetime, now: datetime) -> str:
    minutes = int(ALLOWED_CLOCK_SKEW.total_seconds() // 60)
    return (
        f"{moment.isoformat()} is in the future (the server's clock says "
        f"{now.replace(microsecond=0).isoformat()}); a time may be at most {minutes} minutes "
        "ahead of it, for clock skew. Check the time zone and the sender's clock"
    )


def phone_field(raw: str, country: str | None, field_name: str) -> str:
    """E.164 of a number in any usual spelling, or a 422 naming the field."""
    try:
        return validation.normalise_phone_number(raw, country)
    except ValueError as error:
        raise invalid_field(field_name, str(error)) from None


MAX_CALLER_LENGTH = 255  # calls.caller_raw


@dataclass(frozen=True)
class Caller:
    number: str | None  # E.164
    raw: str | None  # as sent, when it is not a phone number


WITHHELD = Caller(None, None)


def caller_field(raw: str | None, country: str | None) -> Caller:
    """The caller in E.164; a caller that is not a phone number (an extension, a SIP address,
    a national number the project's country cannot read) is kept as sent rather than losing
    the call; a withheld caller is neither."""
    text = (raw or "").strip()
    if text.lower() in WITHHELD_CALLERS or text in WITHHELD_CALLER_NUMBERS:
        return WITHHELD
    try:
        return Caller(validation.normalise_phone_number(text, country), None)
    except ValueError:
        return Caller(None, text[:MAX_CALLER_LENGTH])


def destination_field(raw: str | None, country: str | None, field_name: str) -> str | None:
    if raw is None:
        return None
    try:
        return validation.normalise_destination(raw, country)
    except ValueError as error:
        raise invalid_field(field_name, str(error)) from None
