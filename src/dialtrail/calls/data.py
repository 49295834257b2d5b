"""The call as webhooks see it (docs/design.md §5, §6), defined once, typed.

``EventData`` is what one call event carries to webhooks, as the outbox stores it and render
reads it. ``CallData`` is its ``call`` group: the outbox takes it from the stored call, and
the webhook catalogue's ``call.*`` fields (``webhooks/catalogue.py``), with the description and
example written here, derive from it. A field added here is sendable at once; a field the
catalogue or the outbox lists by itself fails tests/calls/test_call_data_shape.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from dialtrail.calls.models import Call
from dialtrail.described import JsonScalar, about, as_json, described_fields


@dataclass(frozen=True)
class CallData:
    id: int = field(metadata=about("Dialtrail's id of the call.", 1842))
    external_id: str = field(metadata=about("The telephony's id of the call.", "CA5f0e…"))
    direction: str = field(metadata=about("Always incoming.", "incoming"))
    caller: str | None = field(
        metadata=about(
            "Who called, E.164; empty when withheld or not a phone number.", "+14155550100"
        )
    )
    caller_raw: str | None = field(
        metadata=about(
            "The caller as the telephony sent it when not a phone number (an extension, a SIP "
            "address); empty otherwise.",
            "",
        )
    )
    tracking_number: str = field(metadata=about("The number dialled, E.164.", "+12125550140"))
    destination: str | None = field(metadata=about("Where the call was forwarded.", "+12125550123"))
    started_at: datetime = field(metadata=about("When it started ringing.", "2026-11-27T10:15:00Z"))
    answered_at: datetime | None = field(
        metadata=about("When it was answered.", "2026-11-27T10:15:09Z")
    )
    ended_at: datetime | None = field(metadata=about("When it ended.", "2026-11-27T10:18:41Z"))
    wait_seconds: int | None = field(metadata=about("Seconds from ringing to answer.", 9))
    talk_seconds: int | None = field(metadata=about("Seconds of conversation.", 212))
    duration_seconds: int | None = field(metadata=about("Seconds from start to end.", 221))
    disposition: str | None = field(
        metadata=about("answered, no_answer, busy, failed or voicemail.", "answered")
    )
    recording_url: str | None = field(
        metadata=about("The recording, if the telephony made one.", "")
    )
    insertion_type: str = field(metadata=about("dynamic (pool), static or none.", "dynamic"))
    attribution: str = field(
        metadata=about("session, ambiguous, late, static or none (docs/numbers.md).", "session")
    )
    is_first_call: bool = field(
        metadata=about("The caller never called this project before.", True)
    )

    @classmethod
    def of(cls, call: Call) -> CallData:
        return cls(**{name: getattr(call, name) for name in CALL_DATA_NAMES})

    def as_json(self) -> dict[str, JsonScalar]:
        return as_json(self)


CALL_DATA_FIELDS = described_fields(CallData)
CALL_DATA_NAMES = tuple(described.name for described in CALL_DATA_FIELDS)


class EntityValue(TypedDict):
    """An entity's value at the call's start (docs/design.md §2); all null when never seen."""

    value: str | None
    observed_at: str | None
    page_url: str | None


class ProjectData(TypedDict):
    id: int
    name: str


class EventData(TypedDict):
    call: dict[str, JsonScalar]
    visit: dict[str, JsonScalar]  # sessions/visit.py's VisitSnapshot; {} when unattributed
    entities: dict[str, EntityValue]
    project: ProjectData
