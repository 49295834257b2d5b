"""``/api/v1/projects/{id}/telephony/twilio``: the project's Twilio account, owners change it;
the auth token is write-only (docs/telephony.md, docs/api.md). The routes are
sealed_settings_api's; the fields, their rules and messages are Twilio's, here."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator

from dialtrail.api.schemas import RequestBody, stripped
from dialtrail.calls.adapters.sealed_settings_api import settings_router
from dialtrail.calls.adapters.twilio.credentials import TWILIO

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
AUTH_TOKEN = re.compile(r"^[A-Za-z0-9]{16,128}$")


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
        expected = "expected AC followed by 32 hexadecimal characters (Twilio console)"
        return stripped(value, ACCOUNT_SID, expected)

    @field_validator("auth_token")
    @classmethod
    def check_auth_token(cls, value: str | None) -> str | None:
        expected = "expected the auth token from the Twilio console (letters, digits)"
        return stripped(value, AUTH_TOKEN, expected)


class TwilioSettingsOut(BaseModel):
    account_sid: str | None
    configured: bool = Field(description="Both the account SID and the auth token are set.")
    voice_url: str = Field(description="Paste into Twilio: A call comes in (Webhook, POST).")
    status_url: str = Field(description="Paste into Twilio: Call status changes.")
    warning: str | None = Field(description="Why Twilio could not reach these URLs, if so.")


router = settings_router(TWILIO, TwilioSettingsUpdate, TwilioSettingsOut, kept="account")
