"""A project's Telnyx settings (TelnyxSettings): read, changed, and the API key opened.

PATCH semantics as everywhere in the API: a field given as null is cleared, a field left out
is kept, so the write-only API key need not be sent again to change the public key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError
from dialtrail.calls.adapters.telnyx.models import TelnyxSettings
from dialtrail.secrets import SecretBox, UnreadableSecret


@dataclass(frozen=True)
class TelnyxCredentials:
    public_key: str  # base64, as Telnyx's portal shows it
    api_key: str  # in clear


def find(db: Session, project_id: int) -> TelnyxSettings | None:
    return db.get(TelnyxSettings, project_id)


def is_configured(found: TelnyxSettings | None) -> bool:
    return found is not None and bool(found.public_key and found.api_key)


def update(
    db: Session, project_id: int, given: Mapping[str, str | None], box: SecretBox
) -> TelnyxSettings | None:
    """``given``: the fields the client sent (``public_key``, ``api_key`` in clear). A project
    without Telnyx that clears nothing gets no row."""
    found = find(db, project_id)
    if found is None and not any(given.values()):
        return None
    found = found or TelnyxSettings(project_id=project_id)
    if "public_key" in given:
        found.public_key = given["public_key"]
    if "api_key" in given:
        key = given["api_key"]
        found.api_key = box.seal(key) if key else None
    db.add(found)
    db.flush()
    return found


def opened(db: Session, project_id: int, box: SecretBox) -> TelnyxCredentials:
    """The public key and the API key in clear, or 409 naming what to set."""
    found = find(db, project_id)
    if found is None or not found.public_key or not found.api_key:
        raise not_configured(
            f"project {project_id} has no Telnyx credentials: set public_key and api_key with "
            f"PATCH /api/v1/projects/{project_id}/telephony/telnyx (or in Project settings)"
        )
    try:
        return TelnyxCredentials(found.public_key, box.open(found.api_key))
    except UnreadableSecret as error:
        raise not_configured(str(error)) from None


def not_configured(message: str) -> ApiError:
    return ApiError(409, "telnyx_not_configured", message)
