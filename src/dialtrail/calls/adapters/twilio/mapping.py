"""Twilio's request fields in Dialtrail's terms (pure: form fields in, values out).

Twilio calls three kinds of URL for one forwarded call:

- ``/voice`` (the number's "A call comes in" webhook): the caller rings the tracking number;
  that is ``started``. The answer is TwiML that dials the destination.
- the ``<Number>``/``<Sip>`` status callbacks, about the forwarded leg (``ParentCallSid`` is
  the caller's call): ``in-progress`` is ``answered``; ``completed``, ``busy``, ``no-answer``,
  ``failed``, ``canceled`` are ``ended``; ``initiated`` and ``ringing`` add nothing.
  ``CallDuration`` of that leg is the talk time.
- the ``<Dial action>`` URL, when the dialling is over: ``DialCallStatus`` says how it went,
  ``DialCallDuration`` is the talk time, ``RecordingUrl`` the recording if any; ``ended``.

The forwarded leg's ``completed`` callback and the ``<Dial action>`` usually both arrive; the
first is recorded and the second is a duplicate ``ended`` that changes nothing. Both say the
same thing, so which wins does not matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from dialtrail.api.errors import invalid_field
from dialtrail.calls.events import time_field

# Twilio's call statuses and DialCallStatus values → docs/design.md §5 dispositions. A caller
# who hung up before anyone answered ("canceled") is a missed call, as for a call tracker's user.
DISPOSITIONS = {
    "completed": "answered",
    "answered": "answered",
    "busy": "busy",
    "no-answer": "no_answer",
    "failed": "failed",
    "canceled": "no_answer",
}
NOTHING_NEW = frozenset({"queued", "initiated", "ringing"})


@dataclass(frozen=True)
class StatusUpdate:
    external_id: str  # the caller's call (the parent), whichever leg Twilio reports on
    event: str  # answered | ended
    about_forwarded_leg: bool  # its From/To are the forwarded leg's, not the tracking number
    disposition: str | None = None
    duration_seconds: int | None = None
    talk_seconds: int | None = None
    recording_url: str | None = None


def status_update(form: Mapping[str, str]) -> StatusUpdate | None:
    """What a status or ``<Dial action>`` request says, or None when it adds nothing."""
    if form.get("DialCallStatus"):
        return dial_finished(form)
    status = required(form, "CallStatus")
    if status in NOTHING_NEW:
        return None
    forwarded = bool(form.get("ParentCallSid"))
    external_id = form["ParentCallSid"] if forwarded else required(form, "CallSid")
    if status == "in-progress":
        return StatusUpdate(external_id, "answered", forwarded)
    seconds = whole_seconds(form, "CallDuration")
    return StatusUpdate(
        external_id,
        "ended",
        forwarded,
        disposition=call_disposition(status, forwarded),
        duration_seconds=None if forwarded else seconds,
        talk_seconds=seconds if forwarded else None,
        recording_url=form.get("RecordingUrl") or None,
    )


def dial_finished(form: Mapping[str, str]) -> StatusUpdate:
    status = form["DialCallStatus"]
    if status not in DISPOSITIONS:
        raise invalid_field("DialCallStatus", f"unknown Twilio dial status {status!r}")
    return StatusUpdate(
        required(form, "CallSid"),
        "ended",
        about_forwarded_leg=False,
        disposition=DISPOSITIONS[status],
        talk_seconds=whole_seconds(form, "DialCallDuration"),
        recording_url=form.get("RecordingUrl") or None,
    )


def call_disposition(status: str, forwarded: bool) -> str | None:
    if status not in DISPOSITIONS:
        raise invalid_field("CallStatus", f"unknown Twilio call status {status!r}")
    if status == "completed" and not forwarded:
        # The caller's own call is "completed" whenever Twilio picked it up to play TwiML,
        # answered by the destination or not: let the other events decide.
        return None
    return DISPOSITIONS[status]


def required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise invalid_field(name, "Twilio always sends this field; is this request from Twilio?")
    return value


def whole_seconds(form: Mapping[str, str], name: str) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 7:
        raise invalid_field(name, f"expected whole seconds, got {raw!r}")
    return int(raw)


def event_time(form: Mapping[str, str], now: datetime) -> datetime:
    """Status callbacks carry ``Timestamp`` (RFC 2822); the others happen as they arrive."""
    raw = form.get("Timestamp", "").strip()
    if not raw:
        return now
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise invalid_field("Timestamp", f"expected an RFC 2822 time with a zone, got {raw!r}")
    return time_field(moment, "Timestamp", now)
