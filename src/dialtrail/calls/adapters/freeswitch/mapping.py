"""Pure: following inbound calls through FreeSWITCH's channel events (docs/telephony.md,
"FreeSWITCH").

A call is keyed by its inbound channel's UUID (``Unique-ID``); the channels it creates (an
agent's leg, a forwarded leg, a transferred leg) carry it as ``Channel-Call-UUID``, so a call
transferred between agents stays one call.

- ``started``: the inbound channel's CHANNEL_CREATE (Call-Direction inbound, not another
  channel's leg), the dialled number in ``Caller-Destination-Number``, or in the header the
  settings name (``did_variable``: ``variable_sip_to_user``, a ``variable_dialtrail_did`` the
  dialplan sets…). A variable the dialplan sets is not in CHANNEL_CREATE yet: the call is then
  followed without a number, and started (as of its creation) by the first event of its
  inbound channel that carries it, its hang-up at the latest; an agent's answer seen before is
  recorded right after.
- ``answered``: the first CHANNEL_ANSWER of another leg of the call (an agent or a forwarded
  number picked up). The inbound channel's own answer is not one: an IVR answers it.
- ``ended``: the inbound channel's CHANNEL_HANGUP_COMPLETE; disposition from whether it was
  answered, else from the hang-up cause of the last leg dialled, else its own; total time from
  ``variable_duration``, talk time from the agent's answer (``variable_billsec`` counts from
  the inbound channel's answer, the IVR's time included).
- the recording: ``variable_dialtrail_recording``, else FusionPBX's ``variable_record_path`` and
  ``variable_record_name``.

Times are the events' ``Event-Date-Timestamp`` (microseconds since 1970).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from dialtrail.calls.adapters.pbx.events import PbxEvent, epoch_time, seconds_between
from dialtrail.calls.models import CallEventKind

BUSY = frozenset({"USER_BUSY"})
NOT_ANSWERED = frozenset(
    {
        "NO_ANSWER",
        "NO_USER_RESPONSE",
        "ORIGINATOR_CANCEL",
        "NORMAL_CLEARING",
        "ALLOTTED_TIMEOUT",
        "LOSE_RACE",
        "PICKED_OFF",
        "",
    }
)
FORGET_AFTER = 10_000
DESTINATION = "Caller-Destination-Number"


@dataclass
class FollowedCall:
    call_id: str
    did: str
    caller: str | None
    started_at: datetime
    answered_at: datetime | None = None
    leg_cause: str | None = None  # the hang-up cause of the last other leg
    answer: Mapping[str, str] | None = None  # the agent's answer, while the number is unknown


def disposition(call: FollowedCall, own_cause: str) -> str:
    if call.answered_at is not None:
        return "answered"
    cause = call.leg_cause if call.leg_cause is not None else own_cause
    if cause in BUSY:
        return "busy"
    return "no_answer" if cause in NOT_ANSWERED else "failed"


def event_time(message: Mapping[str, str], now: datetime) -> datetime:
    try:
        return epoch_time(int(message["Event-Date-Timestamp"]) / 1_000_000)
    except (KeyError, ValueError, OverflowError):
        return now


def whole_seconds(text: str | None) -> int | None:
    try:
        return max(0, int(text)) if text else None
    except ValueError:
        return None


def recording(message: Mapping[str, str]) -> str | None:
    own = message.get("variable_dialtrail_recording")
    if own:
        return own
    path, name = message.get("variable_record_path"), message.get("variable_record_name")
    return f"{path.rstrip('/')}/{name}" if path and name else None


class FreeswitchCalls:
    def __init__(self, did_header: str | None = None) -> None:
        self.calls: OrderedDict[str, FollowedCall] = OrderedDict()
        self.did_header = did_header or DESTINATION

    def following(self) -> set[str]:
        return set(self.calls)

    def forget(self, call_ids: Iterable[str]) -> None:
        for call_id in call_ids:
            self.calls.pop(call_id, None)

    def feed(self, message: Mapping[str, str], now: datetime) -> list[PbxEvent]:
        name, at = message.get("Event-Name"), event_time(message, now)
        if name == "CHANNEL_CREATE":
            return self.created(message, at)
        if name == "CHANNEL_ANSWER":
            return self.answered(message, at)
        if name == "CHANNEL_HANGUP_COMPLETE":
            return self.hung_up(message, at)
        return []

    def created(self, message: Mapping[str, str], at: datetime) -> list[PbxEvent]:
        unique_id = message.get("Unique-ID", "")
        call_uuid = message.get("Channel-Call-UUID") or unique_id
        inbound = message.get("Call-Direction", "").lower() == "inbound"
        if not unique_id or call_uuid != unique_id or not inbound:
            return []
        if unique_id in self.calls:
            return []  # seen again after a reconnection
        call = FollowedCall(unique_id, "", message.get("Caller-Caller-ID-Number"), at)
        self.calls[unique_id] = call
        if len(self.calls) > FORGET_AFTER:
            self.calls.popitem(last=False)
        return self.numbered(call, message)

    def numbered(self, call: FollowedCall, message: Mapping[str, str]) -> list[PbxEvent]:
        """The start (and an answer seen before it) once an event of the inbound channel
        carries the dialled number; nothing before, nor after the first time."""
        did = message.get(self.did_header, "").strip()
        if call.did or not did or message.get("Unique-ID") != call.call_id:
            return []
        call.did = did
        started = [self.event(call, "started", call.started_at, message)]
        if call.answered_at is None or call.answer is None:
            return started
        answer, call.answer = call.answer, None
        return [*started, self.event(call, "answered", call.answered_at, answer)]

    def answered(self, message: Mapping[str, str], at: datetime) -> list[PbxEvent]:
        unique_id = message.get("Unique-ID", "")
        call = self.calls.get(message.get("Channel-Call-UUID", ""))
        if call is None:
            return []
        if unique_id == call.call_id:
            return self.numbered(call, message)  # the IVR answered: not an answer, maybe a DID
        if call.answered_at is not None:
            return []
        call.answered_at = at
        if not call.did:
            call.answer = dict(message)
            return []
        return [self.event(call, "answered", at, message)]

    def hung_up(self, message: Mapping[str, str], at: datetime) -> list[PbxEvent]:
        unique_id = message.get("Unique-ID", "")
        cause = message.get("Hangup-Cause") or message.get("variable_hangup_cause") or ""
        other = self.calls.get(message.get("Channel-Call-UUID", ""))
        if other is not None and other.call_id != unique_id:
            other.leg_cause = cause  # an agent's leg: the call goes on
            return []
        call = self.calls.pop(unique_id, None)
        if call is None:
            return self.unknown_end(message, at)
        before = self.numbered(call, message)
        if not call.did:
            return []  # never had a number: not a call to a tracking number
        answered = call.answered_at is not None
        return [
            *before,
            PbxEvent(
                call_id=call.call_id,
                event="ended",
                called=call.did,
                caller=call.caller,
                at=at,
                disposition=disposition(call, cause),
                duration_seconds=whole_seconds(message.get("variable_duration"))
                or seconds_between(call.started_at, at),
                talk_seconds=seconds_between(call.answered_at, at) if answered else 0,
                recording=recording(message),
                received=dict(message),
            ),
        ]

    def unknown_end(self, message: Mapping[str, str], at: datetime) -> list[PbxEvent]:
        """The end of an inbound call this process did not see start (it started before the
        listener did): recorded only when the call is already known (pbx/recording.py)."""
        unique_id = message.get("Unique-ID", "")
        first_leg = (message.get("Channel-Call-UUID") or unique_id) == unique_id
        if not unique_id or not first_leg or message.get("Call-Direction") != "inbound":
            return []
        duration = whole_seconds(message.get("variable_duration"))
        received = dict(message)
        return [PbxEvent(unique_id, "ended", None, message.get("Caller-Caller-ID-Number"), at,
                         duration_seconds=duration, received=received)]  # fmt: skip

    def event(
        self, call: FollowedCall, kind: CallEventKind, at: datetime, message: Mapping[str, str]
    ) -> PbxEvent:
        return PbxEvent(call.call_id, kind, call.did, call.caller, at, received=dict(message))
