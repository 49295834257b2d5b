"""Vonage's Voice API webhooks in Dialtrail's terms (pure: fields in, values out).

Vonage calls two URLs for one forwarded call, both about the conversation
(``conversation_uuid``: Vonage's id of the whole call, and so the call's id here):

- the **Answer URL**, when the caller rings the tracking number: that is ``started``; the
  answer is an NCCO that connects the destination (ncco.py).
- the **Event URL**, for each leg's progress, ``direction`` telling the caller's leg
  (``inbound``) from the destination's (``outbound``, made by the connect action):
  ``started`` of the inbound leg repeats ``started``; ``answered`` of the outbound leg is
  ``answered`` (the inbound leg is "answered" by Vonage itself, to run the NCCO);
  ``completed`` is ``ended`` (``duration`` is the whole call on the inbound leg, the talk
  time on the outbound one); ``busy``, ``timeout``, ``unanswered``, ``failed``, ``rejected``
  and ``cancelled`` are ``ended`` with their disposition. ``ringing`` and the rest add nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dialtrail.api.errors import invalid_field
from dialtrail.calls.events import time_field

# Vonage's final statuses → docs/design.md §5 dispositions. "rejected" is Vonage refusing to
# place the call (a restriction, a bad number): a failure, not the destination's choice. A
# caller who hung up while it rang ("cancelled") is a missed call, as for Twilio.
DISPOSITIONS = {
    "busy": "busy",
    "timeout": "no_answer",
    "unanswered": "no_answer",
    "cancelled": "no_answer",
    "failed": "failed",
    "rejected": "failed",
}
MAX_CALL_ID = 128  # calls.external_id


@dataclass(frozen=True)
class Update:
    event: str  # started | answered | ended
    about_inbound_leg: bool  # its from/to are the caller and the tracking number
    disposition: str | None = None
    duration_seconds: int | None = None
    talk_seconds: int | None = None


def event_update(fields: Mapping[str, Any]) -> Update | None:
    """What an Event URL request says, or None when it adds nothing."""
    status = required(fields, "status")
    inbound = text(fields, "direction") == "inbound"
    if status == "started":
        return Update("started", True) if inbound else None
    if status == "answered":
        return None if inbound else Update("answered", False)
    if status == "completed":
        seconds = whole_seconds(fields, "duration")
        if inbound:
            return Update("ended", True, duration_seconds=seconds)
        return Update("ended", False, talk_seconds=seconds)
    if status in DISPOSITIONS:
        return Update("ended", inbound, DISPOSITIONS[status])
    return None


def conversation_id(fields: Mapping[str, Any]) -> str:
    value = required(fields, "conversation_uuid")
    if len(value) > MAX_CALL_ID:
        raise invalid_field("conversation_uuid", "longer than 128 characters")
    return value


def number(raw: str) -> str:
    """Vonage writes numbers in E.164 without the ``+`` (``447700900001``)."""
    raw = raw.strip()
    return "+" + raw if raw.isdigit() else raw


def text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def required(fields: Mapping[str, Any], name: str) -> str:
    value = text(fields, name)
    if not value:
        raise invalid_field(name, "Vonage always sends this field")
    return value


def whole_seconds(fields: Mapping[str, Any], name: str) -> int | None:
    raw = fields.get(name)
    if raw is None or raw == "":
        return None
    raw = str(raw).strip()
    if not raw.isdigit() or len(raw) > 7:
        raise invalid_field(name, f"expected whole seconds, got {raw[:20]!r}")
    return int(raw)


def event_time(fields: Mapping[str, Any], now: datetime) -> datetime:
    """Event requests carry ``timestamp`` (ISO 8601, UTC); the answer request happens now."""
    raw = text(fields, "timestamp")
    if not raw:
        return now
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise invalid_field("timestamp", f"expected an ISO 8601 time with a zone, got {raw!r}")
    return time_field(moment, "timestamp", now)
