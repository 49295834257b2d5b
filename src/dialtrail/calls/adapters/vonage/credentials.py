"""A project's Vonage account (VonageSettings) as sealed_settings reads and changes it: the
API key kept as given (optional: it only names a request for another account), the signature
secret sealed (each webhook's token is checked with it)."""

from __future__ import annotations

from dialtrail.calls.adapters.sealed_settings import SealedSettings
from dialtrail.calls.adapters.vonage.console import PROVIDER, console_setup
from dialtrail.calls.adapters.vonage.models import VonageSettings

VONAGE = SealedSettings(
    name=PROVIDER,
    title="Vonage",
    model=VonageSettings,
    plain_field="api_key",
    sealed_field="signature_secret",
    required=("signature_secret",),
    missing="signature secret",
    console_setup=console_setup,
)
