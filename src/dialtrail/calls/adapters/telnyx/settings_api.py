"""``/api/v1/projects/{id}/telephony/telnyx``: the project's Telnyx public key and API key,
owners change them; the API key is write-only (docs/telephony.md, docs/api.md)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from dialtrail.api.database import DatabaseSession
from dialtrail.api.schemas import ProjectId, RequestBody
from dialtrail.calls.adapters import sealed_settings
from dialtrail.calls.adapters.telnyx import credentials
from dialtrail.calls.adapters.telnyx.console import console_setup
from dialtrail.calls.adapters.telnyx.models import TelnyxSettings
from dialtrail.calls.adapters.telnyx.signature import public_key_of
from dialtrail.projects.access import owned_project, readable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.secrets import SecretBox, secret_key
from dialtrail.settings import Settings

API_KEY = re.compile(r"^[A-Za-z0-9_\-]{16,256}$")

router = APIRouter(tags=["telephony"])


class TelnyxSettingsUpdate(RequestBody):
    public_key: str | None = Field(
        None,
        description="The account's public key (base64), from Telnyx's portal: Keys & "
        "Credentials → Public Key; it checks each webhook's signature. null clears it.",
    )
    api_key: str | None = Field(
        None,
        description="A Telnyx API key (KEY…), to answer and transfer calls: write-only (stored "
        "encrypted, never returned; `configured` says whether one is set); null clears it.",
    )

    @field_validator("public_key")
    @classmethod
    def check_public_key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        public_key_of(value)  # its ValueError says what is wrong
        return value.strip()

    @field_validator("api_key")
    @classmethod
    def check_api_key(cls, value: str | None) -> str | None:
        if value is not None and not API_KEY.match(value.strip()):
            raise ValueError("expected a Telnyx API key (KEY…: letters, digits, _ and -)")
        return value.strip() if value is not None else None


class TelnyxSettingsOut(BaseModel):
    public_key: str | None
    configured: bool = Field(description="Both the public key and the API key are set.")
    webhook_url: str = Field(
        description="Paste into Telnyx: the Call Control application's Webhook URL."
    )
    warning: str | None = Field(description="Why Telnyx could not reach this URL, if so.")


def settings_out(
    request: Request, project_id: int, found: TelnyxSettings | None
) -> TelnyxSettingsOut:
    settings: Settings = request.app.state.settings
    setup = console_setup(settings.base_url, settings.public_url, project_id)
    return TelnyxSettingsOut(
        public_key=found.public_key if found else None,
        configured=sealed_settings.is_configured(credentials.TELNYX, found),
        webhook_url=setup.webhook_url,
        warning=setup.warning,
    )


@router.get("/projects/{project_id}/telephony/telnyx", summary="The project's Telnyx keys and URL")
def read_telnyx(
    project_id: ProjectId, user: CurrentUser, session: DatabaseSession, request: Request
) -> TelnyxSettingsOut:
    access = readable_project(session, user, project_id)
    return settings_out(
        request,
        access.project.id,
        sealed_settings.find(session, credentials.TELNYX, access.project.id),
    )


@router.patch(
    "/projects/{project_id}/telephony/telnyx",
    summary="Change the project's Telnyx keys (owners)",
)
def update_telnyx(
    project_id: ProjectId,
    body: TelnyxSettingsUpdate,
    user: CurrentUser,
    session: DatabaseSession,
    request: Request,
) -> TelnyxSettingsOut:
    access = owned_project(session, user, project_id)
    given = {name: getattr(body, name) for name in body.model_fields_set}
    box = SecretBox(secret_key(request.app.state.settings))
    found = sealed_settings.update(session, credentials.TELNYX, access.project.id, given, box)
    session.commit()
    return settings_out(request, access.project.id, found)
