"""The event a PBX tracker emits: a call's start, answer or end as the PBX told it, before the
project's numbers and country turn it into a ``TelephonyEvent`` (recording.py); and the PBX's
list of the calls still up, asked for after each login (listener.py closes the calls that
ended while nobody listened)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dialtrail.calls.models import CallEventKind


@dataclass(frozen=True)
class PbxEvent:
    call_id: str  # the PBX's id of the whole call (Asterisk's Linkedid, FreeSWITCH's call UUID)
    event: CallEventKind
    called: str | None  # the dialled number (DID) as the PBX gave it; None: not known here
    caller: str | None  # the caller id number as the PBX gave it
    at: datetime
    disposition: str | None = None
    duration_seconds: int | None = None
    talk_seconds: int | None = None
    recording: str | None = None  # the recording's file name, when the PBX said it
    received: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelsUp:
    """The PBX's answer to "which channels are up now": the ids of every channel listed and of
    the call each belongs to (Asterisk's Uniqueid and Linkedid, FreeSWITCH's uuid and
    call_uuid), or ``None`` with the reason when the PBX would not say."""

    ids: frozenset[str] | None
    problem: str = ""


def seconds_between(start: datetime | None, end: datetime) -> int | None:
    if start is None:
        return None
    return max(0, round((end - start).total_seconds()))


def epoch_time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
