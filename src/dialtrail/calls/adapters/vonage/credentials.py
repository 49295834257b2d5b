"""A project's Vonage account (VonageSettings): read, changed, and its signature secret
opened. PATCH semantics as everywhere in the API: null clears a field, a field left out is
kept, so the write-only secret need not be sent again to change the API key."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError
from dialtrail.calls.adapters.vonage.models import VonageSettings
from dialtrail.secrets import SecretBox, UnreadableSecret


def find(db: Session, project_id: int) -> VonageSettings | None:
    return db.get(VonageSettings, project_id)


def is_configured(found: VonageSettings | None) -> bool:
    return found is not None and bool(found.signature_secret)


def update(
    db: Session, project_id: int, given: Mapping[str, str | None], box: SecretBox
) -> VonageSettings | None:
    """``given``: the fields the client sent (``api_key``, ``signature_secret`` in clear). A
    project without Vonage that clears nothing gets no row."""
    found = find(db, project_id)
    if found is None and not any(given.values()):
        return None
    found = found or VonageSettings(project_id=project_id)
    if "api_key" in given:
        found.api_key = given["api_key"]
    if "signature_secret" in given:
        secret = given["signature_secret"]
        found.signature_secret = box.seal(secret) if secret else None
    db.add(found)
    db.flush()
    return found


def opened(db: Session, project_id: int, box: SecretBox) -> tuple[str | None, str]:
    """The API key (None when not given) and the signature secret in clear, or 409."""
    found = find(db, project_id)
    if found is None or not found.signature_secret:
        raise not_configured(
            f"project {project_id} has no Vonage signature secret: set signature_secret with "
            f"PATCH /api/v1/projects/{project_id}/telephony/vonage (or in Project settings)"
        )
    try:
        return found.api_key, box.open(found.signature_secret)
    except UnreadableSecret as error:
        raise not_configured(str(error)) from None


def not_configured(message: str) -> ApiError:
    return ApiError(409, "vonage_not_configured", message)
