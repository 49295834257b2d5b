"""Response bodies of the calls API (docs/design.md §5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from dialtrail.calls.models import Attribution, Call, CallEvent, Disposition, InsertionType
from dialtrail.sessions.schemas import ObservationOut, PageViewOut
from dialtrail.sessions.visit import VISIT_FIELDS

JSON_TYPES = {"string": "string", "integer": "integer", "datetime": "string"}


def visit_properties() -> dict[str, Any]:
    """The visit snapshot's fields as OpenAPI shows them, derived from sessions/visit.py."""
    return {
        field.name: {
            "type": JSON_TYPES[field.type],
            **({"format": "date-time"} if field.type == "datetime" else {}),
            "description": field.description,
            "examples": [field.example],
        }
        for field in VISIT_FIELDS
    }


class CallOut(BaseModel):
    id: int
    external_id: str = Field(description="The telephony's own id of the call.")
    provider: str = Field(description="Who reported the call: `api`, `twilio`, …")
    direction: str
    caller: str | None = Field(
        description="E.164; `null` when the number was withheld or is not a phone number."
    )
    caller_raw: str | None = Field(
        description="The caller as the telephony sent it when it is not a phone number (an "
        "extension `101`, `sip:alice@example.com`); `null` otherwise."
    )
    tracking_number: str = Field(description="The number dialled, E.164.")
    destination: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: int | None
    talk_seconds: int | None
    duration_seconds: int | None
    disposition: Disposition | None = Field(
        description="`answered`, `no_answer`, `busy`, `failed`, `voicemail`; `null` until known."
    )
    recording_url: str | None
    insertion_type: InsertionType = Field(description="`dynamic`, `static` or `none`.")
    attribution: Attribution = Field(
        description="`session`, `ambiguous`, `late`, `static` or `none`."
    )
    source_label: str | None = Field(description="The static number's label.")
    session_id: str | None = Field(
        description="The attributed session (the _dt_s cookie, as the sessions API shows it)."
    )
    visitor_id: str | None = Field(description="The visitor (the _dt_v cookie).")
    candidate_session_ids: list[str] = Field(
        description=(
            "Attribution `ambiguous`: the other sessions that could have dialled the number "
            "(sharing it, leaving it within the late window, or named by the caller's earlier "
            "call to it)."
        )
    )
    is_first_call: bool = Field(description="The caller never called this project before.")
    visit: dict[str, Any] = Field(
        description="The session's sources and the page URL when the call started; `{}` when "
        "unattributed.",
        json_schema_extra={"properties": visit_properties()},
    )
    entities: dict[str, Any] = Field(
        description="Every enabled entity at call start: `{name: {value, observed_at, page_url}}`."
    )


class CallList(BaseModel):
    items: list[CallOut]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next (older) page.")


class CallEventOut(BaseModel):
    event: str = Field(description="`started`, `answered` or `ended`.")
    at: datetime = Field(description="When it happened, as the telephony reported it.")
    received_at: datetime
    note: str | None = Field(
        None,
        description="What Dialtrail says about the event, when anything: an end it inferred "
        "because the PBX's channels were gone after a lost connection.",
    )

    @classmethod
    def of(cls, event: CallEvent) -> CallEventOut:
        note = (event.payload or {}).get("note")
        return cls(event=event.event, at=event.at, received_at=event.received_at, note=note)


class VisitTrail(BaseModel):
    page_views: list[PageViewOut] = Field(
        description="The session's page views up to the call's start, oldest first."
    )
    entity_history: list[ObservationOut] = Field(
        description="The entity observations made up to the call's start, oldest first."
    )


class CallDetail(CallOut):
    events: list[CallEventOut]
    trail: VisitTrail = Field(description="Empty when the call has no session.")


def call_out(
    call: Call, session_key: str | None, visitor_key: str | None, keys: dict[int, str]
) -> CallOut:
    """The call as the API shows it: sessions and visitors by their client ids (cookies)."""
    candidates = [keys[int(item)] for item in call.candidate_session_ids if int(item) in keys]
    return CallOut(
        **{name: getattr(call, name) for name in COPIED_FIELDS},
        session_id=session_key,
        visitor_id=visitor_key,
        candidate_session_ids=candidates,
    )


COPIED_FIELDS = [
    name
    for name in CallOut.model_fields
    if name not in ("session_id", "visitor_id", "candidate_session_ids")
]
