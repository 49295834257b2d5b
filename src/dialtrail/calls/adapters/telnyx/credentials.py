"""A project's Telnyx settings (TelnyxSettings) as sealed_settings reads and changes them: the
public key kept as given (it checks webhook signatures), the API key sealed (it sends the
commands that forward a call); and both opened for a webhook."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from dialtrail.calls.adapters import sealed_settings
from dialtrail.calls.adapters.sealed_settings import SealedSettings
from dialtrail.calls.adapters.telnyx.console import PROVIDER, console_setup
from dialtrail.calls.adapters.telnyx.models import TelnyxSettings
from dialtrail.secrets import SecretBox

TELNYX = SealedSettings(
    name=PROVIDER,
    title="Telnyx",
    model=TelnyxSettings,
    plain_field="public_key",
    sealed_field="api_key",
    required=("public_key", "api_key"),
    missing="credentials",
    console_setup=console_setup,
)


@dataclass(frozen=True)
class TelnyxCredentials:
    public_key: str  # base64, as Telnyx's portal shows it
    api_key: str  # in clear


def opened(db: Session, project_id: int, box: SecretBox) -> TelnyxCredentials:
    """The public key and the API key in clear, or 409 naming what to set."""
    public_key, api_key = sealed_settings.opened(db, TELNYX, project_id, box)
    assert public_key is not None  # required: opened refused a project without it
    return TelnyxCredentials(public_key, api_key)
