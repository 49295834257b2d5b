"""``POST /api/v1/telephony/events``: the generic telephony adapter (docs/design.md §7).

Any PBX or telephony provider without an adapter of its own reports its calls here, with an
API token of a user who may change the project (an owner or a member).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from dialtrail.api.database import DatabaseSession
from dialtrail.api.schemas import MAX_ID, RequestBody
from dialtrail.calls.events import (
    TelephonyEvent,
    caller_field,
    destination_field,
    phone_field,
    time_field,
)
from dialtrail.calls.ingest import Recorded, record_event
from dialtrail.calls.models import CallEventKind, Disposition
from dialtrail.projects.access import writable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.projects.models import Project

router = APIRouter(tags=["telephony"])

MAX_SECONDS = 7 * 24 * 3600
CallId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Number = Annotated[str, StringConstraints(max_length=64)]
RecordingUrl = Annotated[
    str, StringConstraints(max_length=2000, pattern=r"^https?://\S+$", strip_whitespace=True)
]


class TelephonyEventBody(RequestBody):
    project_id: int = Field(ge=1, le=MAX_ID)
    call_id: CallId = Field(description="The telephony's id of the call (idempotency key).")
    event: CallEventKind
    caller: Annotated[str, StringConstraints(max_length=255)] | None = Field(
        description="Who called: a number, or what the telephony shows instead (`101`, "
        "`sip:alice@example.com`); null when the number is withheld."
    )
    called: Number = Field(description="The tracking number dialled.")
    at: AwareDatetime = Field(description="When it happened (ISO 8601 with a time zone).")
    destination: Annotated[str, StringConstraints(max_length=255)] | None = None
    disposition: Disposition | None = None
    duration_seconds: int | None = Field(None, ge=0, le=MAX_SECONDS)
    talk_seconds: int | None = Field(None, ge=0, le=MAX_SECONDS)
    recording_url: RecordingUrl | None = None


class TelephonyEventAnswer(BaseModel):
    call_id: int
    event: str
    duplicate: bool = Field(description="True when this event was recorded before.")
    attribution: str
    session_id: str | None = Field(description="The attributed session's id (`_dt_s`).")
    url: str = Field(description="The call in the calls API.")


@router.post(
    "/telephony/events",
    status_code=201,
    summary="Report a call event: 201 when new, 200 when it was recorded before",
)
def report_event(
    body: TelephonyEventBody,
    user: CurrentUser,
    session: DatabaseSession,
    request: Request,
    response: Response,
) -> TelephonyEventAnswer:
    project = writable_project(session, user, body.project_id).project
    now = request.app.state.clock()
    recorded = record_event(session, project, event_from(body, project, now), now)
    answer = answer_for(recorded)
    session.commit()
    if recorded.duplicate:
        response.status_code = 200
    return answer


def event_from(body: TelephonyEventBody, project: Project, now: datetime) -> TelephonyEvent:
    country = project.country
    caller = caller_field(body.caller, country)
    return TelephonyEvent(
        provider="api",
        project_id=project.id,
        external_id=body.call_id,
        event=body.event,
        caller=caller.number,
        caller_raw=caller.raw,
        called=phone_field(body.called, country, "called"),
        at=time_field(body.at, "at", now),
        destination=destination_field(body.destination, country, "destination"),
        disposition=body.disposition,
        duration_seconds=body.duration_seconds,
        talk_seconds=body.talk_seconds,
        recording_url=body.recording_url,
        received=body.model_dump(mode="json", exclude_unset=True),
    )


def answer_for(recorded: Recorded) -> TelephonyEventAnswer:
    call = recorded.call
    visit: dict[str, Any] = call.visit or {}
    return TelephonyEventAnswer(
        call_id=call.id,
        event=recorded.event.event,
        duplicate=recorded.duplicate,
        attribution=call.attribution,
        session_id=visit.get("session_id"),
        url=f"/api/v1/projects/{call.project_id}/calls/{call.id}",
    )
