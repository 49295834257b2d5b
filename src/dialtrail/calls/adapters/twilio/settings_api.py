"""``/api/v1/projects/{id}/telephony/twilio``: the project's Twilio account, owners change it;
the auth token is write-only (docs/telephony.md, docs/api.md)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from dialtrail.api.database import DatabaseSession
from dialtrail.api.schemas import ProjectId, RequestBody
from dialtrail.calls.adapters import sealed_settings
from dialtrail.calls.adapters.twilio import credentials
from dialtrail.calls.adapters.twilio.console import console_setup
from dialtrail.calls.adapters.twilio.models import TwilioSettings
from dialtrail.projects.access import owned_project, readable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.secrets import SecretBox, secret_key
from dialtrail.settings import Settings

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
AUTH_TOKEN = re.compile(r"^[A-Za-z0-9]{16,128}$")

router = APIRouter(tags=["telephony"])


class TwilioSettingsUpdate(RequestBody):
    account_sid: str | None = Field(None, description="Twilio Account SID (AC…); null clears it.")
    auth_token: str | None = Field(
        None,
        description="Twilio auth token: write-only (stored encrypted, never returned; "
        "`configured` says whether one is set); null clears it.",
    )

    @field_validator("account_sid")
    @classmethod
    def check_account_sid(cls, value: str | None) -> str | None:
        if value is not None and not ACCOUNT_SID.match(value.strip()):
            raise ValueError("expected AC followed by 32 hexadecimal characters (Twilio console)")
        return value.strip() if value is not None else None

    @field_validator("auth_token")
    @classmethod
    def check_auth_token(cls, value: str | None) -> str | None:
        if value is not None and not AUTH_TOKEN.match(value.strip()):
            raise ValueError("expected the auth token from the Twilio console (letters, digits)")
        return value.strip() if value is not None else None


class TwilioSettingsOut(BaseModel):
    account_sid: str | None
    configured: bool = Field(description="Both the account SID and the auth token are set.")
    voice_url: str = Field(description="Paste into Twilio: A call comes in (Webhook, POST).")
    status_url: str = Field(description="Paste into Twilio: Call status changes.")
    warning: str | None = Field(description="Why Twilio could not reach these URLs, if so.")


def settings_out(
    request: Request, project_id: int, found: TwilioSettings | None
) -> TwilioSettingsOut:
    settings: Settings = request.app.state.settings
    setup = console_setup(settings.base_url, settings.public_url, project_id)
    return TwilioSettingsOut(
        account_sid=found.account_sid if found else None,
        configured=sealed_settings.is_configured(credentials.TWILIO, found),
        voice_url=setup.voice_url,
        status_url=setup.status_url,
        warning=setup.warning,
    )


@router.get(
    "/projects/{project_id}/telephony/twilio", summary="The project's Twilio account and URLs"
)
def read_twilio(
    project_id: ProjectId, user: CurrentUser, session: DatabaseSession, request: Request
) -> TwilioSettingsOut:
    access = readable_project(session, user, project_id)
    return settings_out(
        request,
        access.project.id,
        sealed_settings.find(session, credentials.TWILIO, access.project.id),
    )


@router.patch(
    "/projects/{project_id}/telephony/twilio",
    summary="Change the project's Twilio account (owners)",
)
def update_twilio(
    project_id: ProjectId,
    body: TwilioSettingsUpdate,
    user: CurrentUser,
    session: DatabaseSession,
    request: Request,
) -> TwilioSettingsOut:
    access = owned_project(session, user, project_id)
    given = {name: getattr(body, name) for name in body.model_fields_set}
    box = SecretBox(secret_key(request.app.state.settings))
    found = sealed_settings.update(session, credentials.TWILIO, access.project.id, given, box)
    session.commit()
    return settings_out(request, access.project.id, found)
