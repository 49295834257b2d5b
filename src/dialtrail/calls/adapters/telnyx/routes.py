"""``/telephony/telnyx/{project_id}/webhook``: the Call Control application's webhooks.

Every request is checked before anything is stored: the project exists (404), it has Telnyx
credentials (409), the Ed25519 signature is Telnyx's and recent (403). Each request's outcome
is noted (receipts.noted) for the admin's Project settings. The commands a webhook calls for
(answer, transfer, hang up) are sent once its event is committed, so no transaction waits on
Telnyx's API; a command Telnyx refused is noted with the request's outcome and logged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import invalid_field, not_found
from dialtrail.api.schemas import ProjectId
from dialtrail.calls.adapters import receipts
from dialtrail.calls.adapters.receipts import Receipt, SignatureMismatch, noted
from dialtrail.calls.adapters.telnyx import credentials, mapping
from dialtrail.calls.adapters.telnyx.commands import Command, TelnyxApi, send_from_thread, transfer
from dialtrail.calls.adapters.telnyx.console import PROVIDER
from dialtrail.calls.adapters.telnyx.credentials import TelnyxCredentials
from dialtrail.calls.adapters.telnyx.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, refusal
from dialtrail.calls.events import WITHHELD, TelephonyEvent, caller_field, phone_field
from dialtrail.calls.ingest import record_event, record_start
from dialtrail.calls.models import Call, CallEvent
from dialtrail.projects.models import Project
from dialtrail.secrets import SecretBox, secret_key

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
HOOK = "webhook"


async def raw_body(request: Request) -> bytes:
    """The body as sent: the signature is over these bytes, not over a parsed form of them."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


@dataclass(frozen=True)
class Work:
    """What is left to do once the request's event is committed."""

    api_key: str
    commands: list[Command]


@router.post("/{project_id}/webhook")
def webhook(
    project_id: ProjectId, request: Request, body: RawBody, session: DatabaseSession
) -> Response:
    with noted(request, session, project_id, PROVIDER, HOOK):
        work = handle(session, project_id, request, body)
    session.commit()
    for command in work.commands:
        problem = send_from_thread(telnyx_api(request), work.api_key, command)
        if problem is not None:
            note_problem(request, session, project_id, problem)
    return Response(status_code=200)


def handle(session: Session, project_id: int, request: Request, body: bytes) -> Work:
    now: datetime = request.app.state.clock()
    project, found = verified_project(session, project_id, request, body, now)
    hook = mapping.webhook_of(parsed(body))
    caller = None if hook.event_type == "call.initiated" else caller_leg(session, project, hook)
    step = mapping.step(hook, caller.leg_id if caller else None)
    if step.event == "started":
        return Work(found.api_key, start(session, project, hook, now))
    if caller is None:
        return Work(found.api_key, [])  # mapping.step said NOTHING: no leg to tell apart
    if step.event is not None:
        event = leg_event(project, hook, step, mapping.event_time(hook, now))
        record_event(session, project, event, now, lenient=True)  # Telnyx cannot act on a 422
    return Work(found.api_key, caller_commands(caller, step))


def caller_commands(caller: CallerLeg, step: mapping.Step) -> list[Command]:
    if step.command == "transfer":
        return [forward(caller)]
    if step.command == "hangup":
        return [Command("hangup", caller.control_id, caller.leg_id)]
    return []


def start(
    session: Session, project: Project, hook: mapping.Webhook, now: datetime
) -> list[Command]:
    """Records ``started`` and answers the caller's leg (its ``call.answered`` then transfers
    it); without a destination the call is recorded as failed and hung up."""
    at = mapping.event_time(hook, now)
    started = leg_event(project, hook, mapping.Step("started"), at)
    destination = record_start(session, project, started, now)
    leg = (hook.text("call_control_id"), hook.leg_id)
    if not leg[0]:
        raise invalid_field("data.payload.call_control_id", "Telnyx always sends this field")
    return [Command("answer" if destination else "hangup", *leg)]


@dataclass(frozen=True)
class CallerLeg:
    leg_id: str
    control_id: str
    destination: str | None


def caller_leg(session: Session, project: Project, hook: mapping.Webhook) -> CallerLeg | None:
    """The caller's leg of the webhook's call, as its recorded ``call.initiated`` gave it."""
    query = (
        select(Call.destination, CallEvent.payload)
        .join(CallEvent, CallEvent.call_id == Call.id)
        .where(
            Call.project_id == project.id,
            Call.provider == PROVIDER,
            Call.external_id == hook.session_id,
            CallEvent.event == "started",
        )
    )
    found = session.execute(query).first()
    if found is None:
        return None
    destination, payload = found
    leg = payload["received"]["data"]["payload"]
    return CallerLeg(leg["call_leg_id"], leg["call_control_id"], destination)


def forward(caller: CallerLeg) -> Command:
    if caller.destination:
        return transfer(caller.control_id, caller.leg_id, caller.destination)
    return Command("hangup", caller.control_id, caller.leg_id)  # the destination was removed


def leg_event(
    project: Project, hook: mapping.Webhook, step: mapping.Step, at: datetime
) -> TelephonyEvent:
    """An event of the call. The destination's leg has other ``from`` and ``to`` than the
    caller and the tracking number, so its events say nothing of them."""
    assert step.event is not None
    caller = caller_field(hook.text("from"), project.country) if step.about_caller_leg else WITHHELD
    called = None
    if step.about_caller_leg:
        to = mapping.required(hook.payload, "to")
        called = phone_field(to, project.country, "data.payload.to")
    return TelephonyEvent(
        provider=PROVIDER,
        project_id=project.id,
        external_id=hook.session_id,
        event=step.event,
        caller=caller.number,
        caller_raw=caller.raw,
        called=called,
        at=at,
        disposition=step.disposition,
        duration_seconds=step.duration_seconds,
        received={"data": {"event_type": hook.event_type, "occurred_at": hook.occurred_at,
                           "payload": dict(hook.payload)}},
    )  # fmt: skip


def verified_project(
    session: Session, project_id: int, request: Request, body: bytes, now: datetime
) -> tuple[Project, TelnyxCredentials]:
    project = session.get(Project, project_id)
    if project is None:
        raise not_found(f"project {project_id}")
    box = SecretBox(secret_key(request.app.state.settings))
    found = credentials.opened(session, project.id, box)
    signature = request.headers.get(SIGNATURE_HEADER)
    problem = refusal(found.public_key, body, signature, request.headers.get(TIMESTAMP_HEADER), now)
    if problem is not None:
        raise SignatureMismatch(problem)
    return project, found


def parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise invalid_field("body", "expected Telnyx's webhook, a JSON object") from None


def telnyx_api(request: Request) -> TelnyxApi:
    api: TelnyxApi = request.app.state.telnyx_api
    return api


def note_problem(request: Request, session: Session, project_id: int, problem: str) -> None:
    """The request was accepted, but its command was not: shown with the last request."""
    logger.warning("telnyx, project %s: %s", project_id, problem)
    receipt = Receipt(PROVIDER, HOOK, "accepted", 200, problem[: receipts.MAX_REASON])
    try:
        receipts.write(session, project_id, receipt, request.app.state.clock())
        session.commit()
    except Exception:  # best effort: the event itself is committed
        session.rollback()
    receipts.forget(request, project_id, PROVIDER)  # the next request writes its outcome again
