"""``/api/v1/projects/{id}/telephony/vonage``: the project's Vonage API key and signature
secret, owners change them; the secret is write-only (docs/telephony.md, docs/api.md). The
routes are sealed_settings_api's; the fields, their rules and messages are Vonage's, here."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator

from dialtrail.api.schemas import RequestBody, stripped
from dialtrail.calls.adapters.sealed_settings_api import settings_router
from dialtrail.calls.adapters.vonage.credentials import VONAGE

API_KEY = re.compile(r"^[A-Za-z0-9]{6,32}$")
SIGNATURE_SECRET = re.compile(r"^[\x21-\x7e]{16,256}$")


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
        expected = "expected the API key from Vonage's dashboard (letters, digits)"
        return stripped(value, API_KEY, expected)

    @field_validator("signature_secret")
    @classmethod
    def check_signature_secret(cls, value: str | None) -> str | None:
        expected = (
            "expected the signature secret from Vonage's dashboard (16 or more characters, "
            "no spaces)"
        )
        return stripped(value, SIGNATURE_SECRET, expected)


class VonageSettingsOut(BaseModel):
    api_key: str | None
    configured: bool = Field(description="The signature secret is set.")
    answer_url: str = Field(description="Paste into Vonage: the application's Answer URL (POST).")
    event_url: str = Field(description="Paste into Vonage: the application's Event URL (POST).")
    warning: str | None = Field(description="Why Vonage could not reach these URLs, if so.")


router = settings_router(VONAGE, VonageSettingsUpdate, VonageSettingsOut, kept="account")
