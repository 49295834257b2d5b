"""Pure: following inbound calls through Asterisk's AMI events (docs/telephony.md, "Asterisk").

A call is keyed by its ``Linkedid``, the Uniqueid of its oldest channel: the trunk channel the
call came in on. Every channel the call makes later (ring groups, queues, agents, transfers)
carries the same Linkedid, so a call transferred between agents stays one call.

- ``started``: the trunk channel's ``Newchannel`` (its Uniqueid is its Linkedid), the dialled
  number (DID) in its ``Exten``; for sites whose DID is not there ("s"), a ``VarSet`` of
  DIALTRAIL_DID on the call's channels gives it.
- ``answered``: the first ``DialEnd`` with DialStatus ANSWER, or ``BridgeEnter`` into a bridge
  of two or more channels that talk (an agent picked up; not a holding bridge), whichever
  comes first.
- ``ended``: the trunk channel's ``Hangup``; disposition from whether it was answered, else the
  last DialStatus, else the hang-up cause; total time from the start, talk time from the answer.
- the recording: a ``VarSet`` of MIXMONITOR_FILENAME (set by MixMonitor) or DIALTRAIL_RECORDING.

The events' ``Timestamp`` (manager.conf ``timestampevents = yes``) is used when present,
otherwise the time the event arrived.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from dialtrail.calls.adapters.pbx.events import PbxEvent, epoch_time, seconds_between
from dialtrail.calls.models import CallEventKind

DID_VARIABLE = "DIALTRAIL_DID"
RECORDING_VARIABLES = ("MIXMONITOR_FILENAME", "DIALTRAIL_RECORDING")
# An Exten that can be a phone number (not "s", not an extension "101").
PHONE_LIKE = re.compile(r"^\+?\d{6,20}$")
DIAL_STATUSES = {
    "ANSWER": "answered",
    "NOANSWER": "no_answer",
    "CANCEL": "no_answer",
    "BUSY": "busy",
    "CHANUNAVAIL": "failed",
    "CONGESTION": "failed",
}
# Q.850 causes of a hang-up that was never dialled out: 17 user busy; 1 unallocated number,
# 3 no route, 21 rejected, 27 destination out of order, 34 no circuit, 38 network out of
# order, 41 temporary failure, 42 congestion. Anything else (16 normal clearing, 19 no answer)
# is a caller who gave up.
BUSY_CAUSES = frozenset({"17"})
FAILED_CAUSES = frozenset({"1", "3", "21", "27", "34", "38", "41", "42"})
HOLDING_BRIDGE = "holding_bridge"  # BridgeEnter's BridgeTechnology for a holding bridge
FORGET_AFTER = 10_000  # calls followed at once, at most (a lost Hangup must not leak)


@dataclass
class FollowedCall:
    call_id: str
    caller: str | None
    started_at: datetime
    did: str | None = None
    started_for: str | None = None  # the DID a started event was emitted with
    answered_at: datetime | None = None
    dial_status: str | None = None
    recording: str | None = None


def disposition(call: FollowedCall, cause: str | None) -> str:
    if call.answered_at is not None:
        return "answered"
    if call.dial_status in DIAL_STATUSES:
        return DIAL_STATUSES[call.dial_status]
    if cause in BUSY_CAUSES:
        return "busy"
    return "failed" if cause in FAILED_CAUSES else "no_answer"


def event_time(message: Mapping[str, str], now: datetime) -> datetime:
    try:
        return epoch_time(float(message["Timestamp"]))
    except (KeyError, ValueError, OverflowError):
        return now


def variable_name(message: Mapping[str, str]) -> str:
    # Set(__DIALTRAIL_DID=…) is inherited by later channels; the underscores are not the name.
    return message.get("Variable", "").lstrip("_").upper()


class AsteriskCalls:
    """The calls being followed, fed one AMI event at a time."""

    def __init__(self) -> None:
        self.calls: OrderedDict[str, FollowedCall] = OrderedDict()
        self.handlers: dict[str, Callable[[Mapping[str, str], datetime], list[PbxEvent]]] = {
            "Newchannel": self.new_channel,
            "VarSet": self.variable_set,
            "DialEnd": self.dial_end,
            "BridgeEnter": self.bridge_enter,
            "Hangup": self.hangup,
        }

    def following(self) -> set[str]:
        return set(self.calls)

    def forget(self, call_ids: Iterable[str]) -> None:
        for call_id in call_ids:
            self.calls.pop(call_id, None)

    def feed(self, message: Mapping[str, str], now: datetime) -> list[PbxEvent]:
        handler = self.handlers.get(message.get("Event", ""))
        return handler(message, event_time(message, now)) if handler else []

    def new_channel(self, message: Mapping[str, str], at: datetime) -> list[PbxEvent]:
        unique_id, linked_id = message.get("Uniqueid"), message.get("Linkedid")
        if not unique_id or unique_id != linked_id or unique_id in self.calls:
            return []  # a later channel of a call, or an event seen again after a reconnection
        call = FollowedCall(unique_id, message.get("CallerIDNum"), at)
        self.calls[unique_id] = call
        if len(self.calls) > FORGET_AFTER:
            self.calls.popitem(last=False)
        exten = message.get("Exten", "")
        return self.started(call, exten, message) if PHONE_LIKE.match(exten) else []

    def started(self, call: FollowedCall, did: str, message: Mapping[str, str]) -> list[PbxEvent]:
        call.did = did
        if call.started_for == did:
            return []
        call.started_for = did
        return [self.event(call, "started", call.started_at, message)]

    def variable_set(self, message: Mapping[str, str], at: datetime) -> list[PbxEvent]:
        call = self.calls.get(message.get("Linkedid", ""))
        value = message.get("Value", "").strip()
        if call is None or not value:
            return []
        name = variable_name(message)
        if name in RECORDING_VARIABLES:
            call.recording = value
        elif name == DID_VARIABLE:
            return self.started(call, value, message)
        return []

    def dial_end(self, message: Mapping[str, str], at: datetime) -> list[PbxEvent]:
        call = self.calls.get(message.get("Linkedid", ""))
        if call is None:
            return []
        call.dial_status = message.get("DialStatus", "").upper()
        return self.answered(call, at, message) if call.dial_status == "ANSWER" else []

    def bridge_enter(self, message: Mapping[str, str], at: datetime) -> list[PbxEvent]:
        call = self.calls.get(message.get("Linkedid", ""))
        try:
            together = int(message.get("BridgeNumChannels", "0"))
        except ValueError:
            together = 0
        # A holding bridge (a parking lot, an ARI waiting room) holds callers who do not talk
        # to each other: two of them waiting there is no answer.
        holding = message.get("BridgeTechnology") == HOLDING_BRIDGE
        if call is None or together < 2 or holding:
            return []
        return self.answered(call, at, message)

    def answered(
        self, call: FollowedCall, at: datetime, message: Mapping[str, str]
    ) -> list[PbxEvent]:
        if call.answered_at is not None or call.did is None:
            return []
        call.answered_at = at
        return [self.event(call, "answered", at, message)]

    def hangup(self, message: Mapping[str, str], at: datetime) -> list[PbxEvent]:
        unique_id = message.get("Uniqueid", "")
        if not unique_id or unique_id != message.get("Linkedid"):
            return []  # an agent's or a ring group's channel: the call goes on
        call = self.calls.pop(unique_id, None)
        if call is None:
            # Not followed by this process (it started before the listener did): recorded
            # only when the call is already known (pbx/recording.py).
            unknown = FollowedCall(unique_id, message.get("CallerIDNum"), at)
            return [self.event(unknown, "ended", at, message)]
        if call.did is None:
            return []  # never reached a DID: not a call to a tracking number
        return [self.ended(call, at, message)]

    def ended(self, call: FollowedCall, at: datetime, message: Mapping[str, str]) -> PbxEvent:
        answered = call.answered_at is not None
        return PbxEvent(
            call_id=call.call_id,
            event="ended",
            called=call.did,
            caller=call.caller,
            at=at,
            disposition=disposition(call, message.get("Cause")),
            duration_seconds=seconds_between(call.started_at, at),
            talk_seconds=seconds_between(call.answered_at, at) if answered else 0,
            recording=call.recording,
            received=dict(message),
        )

    def event(
        self, call: FollowedCall, kind: CallEventKind, at: datetime, message: Mapping[str, str]
    ) -> PbxEvent:
        return PbxEvent(
            call_id=call.call_id,
            event=kind,
            called=call.did,
            caller=call.caller,
            at=at,
            received=dict(message),
        )
