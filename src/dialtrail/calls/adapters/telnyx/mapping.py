"""Telnyx's Call Control webhooks in Dialtrail's terms (pure: the JSON body in, values out).

A Call Control application gets every event of its calls at one webhook URL, for each leg:

- the caller's leg (A): ``call.initiated`` with ``direction: incoming`` is ``started``; Dialtrail
  answers it (the ``answer`` command: Telnyx takes no other command on an unanswered incoming
  call), and its ``call.answered`` is the cue to ``transfer`` it to the destination, which
  makes leg B. Its ``call.hangup`` is ``ended``, from ``start_time`` to ``end_time`` the duration.
- the destination's leg (B), in the same ``call_session_id`` (Telnyx's id of the whole call,
  and so the call's id here): its ``call.answered`` is ``answered``; its ``call.hangup`` is
  ``ended`` too, and when the transfer failed (busy, no answer, rejected) the caller's leg is
  still up, so Dialtrail hangs it up.

Which leg an event is about is told by its ``call_leg_id`` against the caller's leg recorded
with ``started``: ``call.answered`` and ``call.hangup`` carry no direction. The first ``ended``
of the two legs is recorded; the other is a duplicate. Other events (``call.bridged``,
playback, machine detection…) add nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dialtrail.api.errors import invalid_field
from dialtrail.calls.events import time_field

# hangup_cause → docs/design.md §5 dispositions; None: let the call's events decide (answered
# when the destination answered, else no_answer). A rejection by the destination is a busy
# line to the caller; a caller who hung up while it rang is a missed call, as for Twilio.
DISPOSITIONS: dict[str, str | None] = {
    "normal_clearing": None,
    "time_limit": None,
    "unspecified": None,
    "user_busy": "busy",
    "call_rejected": "busy",
    "timeout": "no_answer",
    "no_answer": "no_answer",
    "originator_cancel": "no_answer",
    "not_found": "failed",
}
# A destination leg that ended for these never reached anyone: the caller's leg is still up.
FAILED_TRANSFER = frozenset({"user_busy", "call_rejected", "timeout", "no_answer", "not_found"})
MAX_CALL_ID = 128  # calls.external_id


@dataclass(frozen=True)
class Webhook:
    """One Call Control webhook: ``data.event_type``, ``data.occurred_at``, ``data.payload``."""

    event_type: str
    occurred_at: str
    payload: Mapping[str, Any]

    def text(self, name: str) -> str:
        value = self.payload.get(name)
        return value if isinstance(value, str) else ""

    @property
    def session_id(self) -> str:
        session_id = required(self.payload, "call_session_id")
        if len(session_id) > MAX_CALL_ID:
            raise invalid_field("data.payload.call_session_id", "longer than 128 characters")
        return session_id

    @property
    def leg_id(self) -> str:
        return required(self.payload, "call_leg_id")


@dataclass(frozen=True)
class Step:
    """What one webhook means: the event to record (if any), and the command to send to the
    caller's leg (``answer``, ``transfer``, ``hangup``), if any."""

    event: str | None = None
    about_caller_leg: bool = True
    disposition: str | None = None
    duration_seconds: int | None = None
    command: str | None = None


NOTHING = Step()


def webhook_of(body: Any) -> Webhook:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise invalid_field("data", "expected Telnyx's webhook: a JSON object with data")
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise invalid_field("data.payload", "expected an object")
    event_type, occurred_at = data.get("event_type"), data.get("occurred_at")
    if not isinstance(event_type, str) or not event_type:
        raise invalid_field("data.event_type", "expected the event's type, such as call.hangup")
    return Webhook(event_type, occurred_at if isinstance(occurred_at, str) else "", payload)


def step(hook: Webhook, caller_leg: str | None) -> Step:
    """``caller_leg``: the ``call_leg_id`` of the call's caller leg, when known (its
    ``call.initiated`` was recorded)."""
    if hook.event_type == "call.initiated":
        incoming = hook.text("direction") == "incoming"
        return Step("started", command="answer") if incoming else NOTHING
    if caller_leg is None or hook.event_type not in ("call.answered", "call.hangup"):
        return NOTHING  # a leg of a call whose start Dialtrail never accepted, or no news
    on_caller_leg = hook.leg_id == caller_leg
    if hook.event_type == "call.answered":
        return Step(command="transfer") if on_caller_leg else Step("answered", False)
    return hangup(hook, on_caller_leg)


def hangup(hook: Webhook, on_caller_leg: bool) -> Step:
    cause = hook.text("hangup_cause")
    disposition = DISPOSITIONS.get(cause)
    if on_caller_leg:
        return Step("ended", True, disposition, leg_seconds(hook))
    command = "hangup" if cause in FAILED_TRANSFER else None
    return Step("ended", False, disposition, command=command)


def leg_seconds(hook: Webhook) -> int | None:
    """The caller leg's whole length, from its ``start_time`` and ``end_time``."""
    start, end = hook.text("start_time"), hook.text("end_time")
    if not start or not end:
        return None
    seconds = moment(end, "data.payload.end_time") - moment(start, "data.payload.start_time")
    return max(0, round(seconds.total_seconds()))


def event_time(hook: Webhook, now: datetime) -> datetime:
    if not hook.occurred_at:
        return now
    return time_field(moment(hook.occurred_at, "data.occurred_at"), "data.occurred_at", now)


def moment(raw: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise invalid_field(field, f"expected an ISO 8601 time with a zone, got {raw[:60]!r}")
    return parsed


def required(payload: Mapping[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise invalid_field(f"data.payload.{name}", "Telnyx always sends this field")
    return value.strip()
