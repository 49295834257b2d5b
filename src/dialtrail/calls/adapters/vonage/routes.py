"""``/telephony/vonage/{project_id}/answer`` and ``/event``: the Voice application's webhooks.

Every request is checked before anything is stored: the project exists (404), it has a Vonage
signature secret (409), the request's token is Vonage's, fresh and for this payload (403), and
for the project's API key when one is set (403). Each request's outcome is noted
(receipts.noted) for the admin's Project settings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import forbidden, invalid_field, not_found
from dialtrail.api.schemas import ProjectId
from dialtrail.calls.adapters import sealed_settings
from dialtrail.calls.adapters.public_urls import hook_url
from dialtrail.calls.adapters.receipts import SignatureMismatch, noted
from dialtrail.calls.adapters.vonage import credentials, mapping, ncco
from dialtrail.calls.adapters.vonage.console import PROVIDER
from dialtrail.calls.adapters.vonage.signature import (
    BadToken,
    SeenTokens,
    check_once,
    signed_payloads,
    verified_claims,
)
from dialtrail.calls.events import WITHHELD, TelephonyEvent, caller_field, phone_field
from dialtrail.calls.ingest import record_event, record_start
from dialtrail.projects.models import Project
from dialtrail.secrets import SecretBox, secret_key
from dialtrail.settings import Settings

router = APIRouter(include_in_schema=False)


async def raw_body(request: Request) -> bytes:
    """The body as sent: the token's payload_hash is over these bytes (a POST's)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


@router.api_route("/{project_id}/answer", methods=["GET", "POST"])
def answer(
    project_id: ProjectId, request: Request, body: RawBody, session: DatabaseSession
) -> Response:
    with noted(request, session, project_id, PROVIDER, "answer"):
        actions = handle_answer(session, project_id, request, body)
    session.commit()
    return JSONResponse(actions)


def handle_answer(session: Session, project_id: int, request: Request, body: bytes) -> ncco.Ncco:
    now: datetime = request.app.state.clock()
    project = verified_project(session, project_id, request, body, now)
    fields = answer_fields(request, body)
    started = call_event(project, fields, mapping.Update("started", True), now)
    destination = record_start(session, project, started, now)
    if destination is None:
        return ncco.unreachable()
    assert started.called is not None
    return ncco.connect(destination, started.called, event_url(request, project))


@router.post("/{project_id}/event")
def event(
    project_id: ProjectId, request: Request, body: RawBody, session: DatabaseSession
) -> Response:
    with noted(request, session, project_id, PROVIDER, "event"):
        handle_event(session, project_id, request, body)
    session.commit()
    return Response(status_code=200)


def handle_event(session: Session, project_id: int, request: Request, body: bytes) -> None:
    now: datetime = request.app.state.clock()
    project = verified_project(session, project_id, request, body, now)
    fields = json_object(body)
    update = mapping.event_update(fields)
    if update is not None:
        at = mapping.event_time(fields, now)
        # Vonage cannot act on a 422: its events are kept (ingest.record_event).
        record_event(session, project, call_event(project, fields, update, at), now, lenient=True)


def call_event(
    project: Project, fields: Mapping[str, Any], update: mapping.Update, at: datetime
) -> TelephonyEvent:
    """An event of the call. The destination's leg (outbound) has other ``from`` and ``to``
    than the caller and the tracking number, so its events say nothing of them."""
    inbound = update.about_inbound_leg
    country = project.country
    caller = caller_field(mapping.number(mapping.text(fields, "from")), country)
    called = None
    if inbound:
        called = phone_field(mapping.number(mapping.required(fields, "to")), country, "to")
    return TelephonyEvent(
        provider=PROVIDER,
        project_id=project.id,
        external_id=mapping.conversation_id(fields),
        event=update.event,
        caller=caller.number if inbound else WITHHELD.number,
        caller_raw=caller.raw if inbound else WITHHELD.raw,
        called=called,
        at=at,
        disposition=update.disposition,
        duration_seconds=update.duration_seconds,
        talk_seconds=update.talk_seconds,
        received=dict(fields),
    )


def answer_fields(request: Request, body: bytes) -> dict[str, Any]:
    """The Answer URL's fields: the query of a GET, the JSON body of a POST."""
    if request.method == "GET":
        return dict(request.query_params)
    return json_object(body)


def json_object(body: bytes) -> dict[str, Any]:
    try:
        fields = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        fields = None
    if not isinstance(fields, dict):
        raise invalid_field("body", "expected Vonage's webhook, a JSON object")
    return fields


def verified_project(
    session: Session, project_id: int, request: Request, body: bytes, now: datetime
) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise not_found(f"project {project_id}")
    box = SecretBox(secret_key(request.app.state.settings))
    api_key, secret = sealed_settings.opened(session, credentials.VONAGE, project.id, box)
    try:
        payloads = signed_payloads(body, request.query_params.multi_items())
        claims = verified_claims(secret, request.headers.get("authorization"), payloads, now)
        check_once(claims, seen_tokens(request), now)
    except BadToken as error:
        raise SignatureMismatch(str(error)) from None
    # Checked when both say it: a secret is the account's own, so this only names the mistake.
    if api_key and claims.get("api_key") not in (None, api_key):
        raise forbidden("the request is for another Vonage account than the project's API key")
    return project


def seen_tokens(request: Request) -> SeenTokens:
    seen: SeenTokens = request.app.state.vonage_tokens
    return seen


def event_url(request: Request, project: Project) -> str:
    settings: Settings = request.app.state.settings
    return hook_url(settings.public_url, PROVIDER, project.id, "event")
