"""``/api/v1/projects/{id}/telephony/telnyx``: the project's Telnyx public key and API key,
owners change them; the API key is write-only (docs/telephony.md, docs/api.md). The routes
are sealed_settings_api's; the fields, their rules and messages are Telnyx's, here."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator

from dialtrail.api.schemas import RequestBody, stripped
from dialtrail.calls.adapters.sealed_settings_api import settings_router
from dialtrail.calls.adapters.telnyx.credentials import TELNYX
from dialtrail.calls.adapters.telnyx.signature import public_key_of

API_KEY = re.compile(r"^[A-Za-z0-9_\-]{16,256}$")


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
        return stripped(
            value, API_KEY, "expected a Telnyx API key (KEY…: letters, digits, _ and -)"
        )


class TelnyxSettingsOut(BaseModel):
    public_key: str | None
    configured: bool = Field(description="Both the public key and the API key are set.")
    webhook_url: str = Field(
        description="Paste into Telnyx: the Call Control application's Webhook URL."
    )
    warning: str | None = Field(description="Why Telnyx could not reach this URL, if so.")


router = settings_router(TELNYX, TelnyxSettingsUpdate, TelnyxSettingsOut, kept="keys", urls="URL")
