"""A project's Twilio account (TwilioSettings) as sealed_settings reads and changes it: the
account SID kept as given, the auth token sealed (request signatures are checked with it)."""

from __future__ import annotations

from dialtrail.calls.adapters.sealed_settings import SealedSettings
from dialtrail.calls.adapters.twilio.console import PROVIDER, console_setup
from dialtrail.calls.adapters.twilio.models import TwilioSettings

TWILIO = SealedSettings(
    name=PROVIDER,
    title="Twilio",
    model=TwilioSettings,
    plain_field="account_sid",
    sealed_field="auth_token",
    required=("account_sid", "auth_token"),
    missing="credentials",
    console_setup=console_setup,
)
