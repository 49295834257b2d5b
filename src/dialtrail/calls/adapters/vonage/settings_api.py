"""``/api/v1/projects/{id}/telephony/vonage``: the project's Vonage API key and signature
secret, owners change them; the secret is write-only (docs/telephony.md, docs/api.md)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from dialtrail.api.database import DatabaseSession
from dialtrail.api.schemas import ProjectId, RequestBody
from dialtrail.calls.adapters import sealed_settings
from dialtrail.calls.adapters.vonage import credentials
from dialtrail.calls.adapters.vonage.console import console_setup
from dialtrail.calls.adapters.vonage.models import VonageSettings
from dialtrail.projects.access import owned_project, readable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.secrets import SecretBox, secret_key
from dialtrail.settings import Settings

API_KEY = re.compile(r"^[A-Za-z0-9]{6,32}$")
SIGNATURE_SECRET = re.compile(r"^[\x21-\x7e]{16,256}$")

router = APIRouter(tags=["telephony"])


class VonageSettingsUpdate(RequestBody):
    api_key: str | None = Field(
        None, description="The Vonage account's API key (dashboard: API settings); null clears it."
    )
    signature_secret: str | None = Field(
        None,
        description="The account's signature secret (dashboard: API settings → Signed "
        "webhooks): write-only (stored encrypted, never returned; `configured` says whether "
        "one is set); null clears it.",
    )

    @field_validator("api_key")
    @classmethod
    def check_api_key(cls, value: str | None) -> str | None:
        if value is not None and not API_KEY.match(value.strip()):
            raise ValueError("expected the API key from Vonage's dashboard (letters, digits)")
        return value.strip() if value is not None else None

    @field_validator("signature_secret")
    @classmethod
    def check_signature_secret(cls, value: str | None) -> str | None:
        if value is not None and not SIGNATURE_SECRET.match(value.strip()):
            raise ValueError(
                "expected the signature secret from Vonage's dashboard (16 or more characters, "
                "no spaces)"
            )
        return value.strip() if value is not None else None


class VonageSettingsOut(BaseModel):
    api_key: str | None
    configured: bool = Field(description="The signature secret is set.")
    answer_url: str = Field(description="Paste into Vonage: the application's Answer URL (POST).")
    event_url: str = Field(description="Paste into Vonage: the application's Event URL (POST).")
    warning: str | None = Field(description="Why Vonage could not reach these URLs, if so.")


def settings_out(
    request: Request, project_id: int, found: VonageSettings | None
) -> VonageSettingsOut:
    settings: Settings = request.app.state.settings
    setup = console_setup(settings.base_url, settings.public_url, project_id)
    return VonageSettingsOut(
        api_key=found.api_key if found else None,
        configured=sealed_settings.is_configured(credentials.VONAGE, found),
        answer_url=setup.answer_url,
        event_url=setup.event_url,
        warning=setup.warning,
    )


@router.get(
    "/projects/{project_id}/telephony/vonage", summary="The project's Vonage account and URLs"
)
def read_vonage(
    project_id: ProjectId, user: CurrentUser, session: DatabaseSession, request: Request
) -> VonageSettingsOut:
    access = readable_project(session, user, project_id)
    return settings_out(
        request,
        access.project.id,
        sealed_settings.find(session, credentials.VONAGE, access.project.id),
    )


@router.patch(
    "/projects/{project_id}/telephony/vonage",
    summary="Change the project's Vonage account (owners)",
)
def update_vonage(
    project_id: ProjectId,
    body: VonageSettingsUpdate,
    user: CurrentUser,
    session: DatabaseSession,
    request: Request,
) -> VonageSettingsOut:
    access = owned_project(session, user, project_id)
    given = {name: getattr(body, name) for name in body.model_fields_set}
    box = SecretBox(secret_key(request.app.state.settings))
    found = sealed_settings.update(session, credentials.VONAGE, access.project.id, given, box)
    session.commit()
    return settings_out(request, access.project.id, found)
