"""``/telephony/twilio/{project_id}/voice`` and ``/status``: Twilio's webhooks.

Every request is checked before anything is stored: the project exists (404), it has Twilio
credentials (409), the signature is Twilio's for the project's auth token (403) and the
account is the project's (403). Each request's outcome is noted (receipts.noted) for the
admin's Project settings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import forbidden, invalid_field, not_found
from dialtrail.api.schemas import ProjectId
from dialtrail.calls.adapters import sealed_settings
from dialtrail.calls.adapters.public_urls import hook_url
from dialtrail.calls.adapters.receipts import SignatureMismatch, noted
from dialtrail.calls.adapters.twilio import credentials, mapping, twiml
from dialtrail.calls.adapters.twilio.console import PROVIDER
from dialtrail.calls.adapters.twilio.signature import (
    SIGNATURE_HEADER,
    public_request_url,
    signed_by_twilio,
)
from dialtrail.calls.events import WITHHELD, TelephonyEvent, caller_field, phone_field
from dialtrail.calls.ingest import record_event, record_start
from dialtrail.projects.models import Project
from dialtrail.secrets import SecretBox, secret_key
from dialtrail.settings import Settings

router = APIRouter(include_in_schema=False)


async def twilio_form(request: Request) -> dict[str, str]:
    """The posted form as text fields (Twilio never sends files, nor a field twice)."""
    form = await request.form()
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            raise invalid_field(name, "Twilio sends text fields only, not files")
        fields[name] = value
    return fields


TwilioForm = Annotated[dict[str, str], Depends(twilio_form)]


@router.post("/{project_id}/voice")
def voice(
    project_id: ProjectId, request: Request, form: TwilioForm, session: DatabaseSession
) -> Response:
    with noted(request, session, project_id, PROVIDER, "voice"):
        answer = handle_voice(session, project_id, request, form)
    session.commit()
    return xml(answer)


def handle_voice(session: Session, project_id: int, request: Request, form: dict[str, str]) -> str:
    project = verified_project(session, project_id, request, form)
    now = request.app.state.clock()
    started = call_event(project, form, "started", mapping.event_time(form, now))
    destination = record_start(session, project, started, now)
    if destination is None:
        return twiml.unreachable()
    return twiml.forward(destination, status_url(request, project))


@router.post("/{project_id}/status")
def status(
    project_id: ProjectId, request: Request, form: TwilioForm, session: DatabaseSession
) -> Response:
    with noted(request, session, project_id, PROVIDER, "status"):
        handle_status(session, project_id, request, form)
    session.commit()
    return xml(twiml.nothing_more())


def handle_status(
    session: Session, project_id: int, request: Request, form: dict[str, str]
) -> None:
    project = verified_project(session, project_id, request, form)
    update = mapping.status_update(form)
    if update is not None:
        now = request.app.state.clock()
        event = status_event(project, form, update, mapping.event_time(form, now))
        # Twilio cannot act on a 422: its events are kept (ingest.record_event).
        record_event(session, project, event, now, lenient=True)


def call_event(project: Project, form: dict[str, str], event: str, at: datetime) -> TelephonyEvent:
    """An event about the caller's own call, whose From and To are the caller and the
    tracking number. A caller that is not a phone number (a Twilio Client app ``client:…``,
    a SIP endpoint) is kept as sent."""
    caller = caller_field(form.get("From"), project.country)
    return TelephonyEvent(
        provider=PROVIDER,
        project_id=project.id,
        external_id=mapping.required(form, "CallSid"),
        event=event,
        caller=caller.number,
        caller_raw=caller.raw,
        called=phone_field(mapping.required(form, "To"), project.country, "To"),
        at=at,
        received=form,
    )


def status_event(
    project: Project, form: dict[str, str], update: mapping.StatusUpdate, at: datetime
) -> TelephonyEvent:
    parent_leg = not update.about_forwarded_leg
    country = project.country
    # The forwarded leg's From and To are not the caller and the tracking number.
    caller = caller_field(form.get("From"), country) if parent_leg else WITHHELD
    return TelephonyEvent(
        provider=PROVIDER,
        project_id=project.id,
        external_id=update.external_id,
        event=update.event,
        caller=caller.number,
        caller_raw=caller.raw,
        called=phone_field(mapping.required(form, "To"), country, "To") if parent_leg else None,
        at=at,
        disposition=update.disposition,
        duration_seconds=update.duration_seconds,
        talk_seconds=update.talk_seconds,
        recording_url=update.recording_url,
        received=form,
    )


def verified_project(
    session: Session, project_id: int, request: Request, form: dict[str, str]
) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise not_found(f"project {project_id}")
    settings: Settings = request.app.state.settings
    box = SecretBox(secret_key(settings))
    account_sid, token = sealed_settings.opened(session, credentials.TWILIO, project.id, box)
    url = public_request_url(settings, request)
    if not signed_by_twilio(token, url, form, request.headers.get(SIGNATURE_HEADER)):
        raise SignatureMismatch(
            f"missing or wrong {SIGNATURE_HEADER} for {url}: the request is not from Twilio, "
            "or DIALTRAIL_BASE_URL differs from the URL set in Twilio's console"
        )
    if form.get("AccountSid") != account_sid:
        raise forbidden("the request is for another Twilio account than the project's")
    return project


def status_url(request: Request, project: Project) -> str:
    settings: Settings = request.app.state.settings
    return hook_url(settings.public_url, PROVIDER, project.id, "status")


def xml(body: str) -> Response:
    return Response(body, media_type="application/xml")
