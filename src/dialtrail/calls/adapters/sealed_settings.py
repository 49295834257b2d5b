"""The settings of a provider that calls Dialtrail over HTTP (Twilio, Telnyx, Vonage), each in
its adapter's own table: one value kept as given (an account SID, a public key, an API key)
and one secret sealed with secrets.SecretBox (write-only in the API and the admin). Each
adapter describes its table once (``<name>/credentials.py``); reading, the PATCH, and opening
the secret for a request's check are here.

PATCH semantics as everywhere in the API: a field given as null is cleared, a field left out
is kept, so the write-only secret need not be sent again to change the other value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError
from dialtrail.secrets import SecretBox, UnreadableSecret
from dialtrail.storage.base import Base

Row = TypeVar("Row", bound=Base)


@dataclass(frozen=True)
class SealedSettings(Generic[Row]):
    name: str  # the adapter's name in the URLs and receipts: "twilio"
    title: str  # as people write it: "Twilio"
    model: type[Row]  # its own table, keyed by project_id
    plain_field: str  # kept as given and shown again: "account_sid"
    sealed_field: str  # sealed, never shown again: "auth_token"
    required: tuple[str, ...]  # what must be set before the adapter accepts a request
    missing: str  # what a project without them has not, in the 409: "credentials"
    console_setup: Callable[[str, str, int], Any]  # the URLs to paste (its console.py)


def find(db: Session, settings: SealedSettings[Row], project_id: int) -> Row | None:
    return db.get(settings.model, project_id)


def is_configured(settings: SealedSettings[Any], found: Base | None) -> bool:
    return found is not None and all(getattr(found, name) for name in settings.required)


def update(
    db: Session,
    settings: SealedSettings[Row],
    project_id: int,
    given: Mapping[str, str | None],
    box: SecretBox,
) -> Row | None:
    """``given``: the fields the client sent (the secret in clear). A project without the
    provider that clears nothing gets no row (a settings form always sends its boxes, empty
    for most projects)."""
    found = find(db, settings, project_id)
    if found is None and not any(given.values()):
        return None
    found = found or settings.model(project_id=project_id)
    if settings.plain_field in given:
        setattr(found, settings.plain_field, given[settings.plain_field])
    if settings.sealed_field in given:
        secret = given[settings.sealed_field]
        setattr(found, settings.sealed_field, box.seal(secret) if secret else None)
    db.add(found)
    db.flush()
    return found


def opened(
    db: Session, settings: SealedSettings[Any], project_id: int, box: SecretBox
) -> tuple[str | None, str]:
    """The plain value (None only when it is not required) and the secret in clear, or a 409
    naming what to set."""
    found = find(db, settings, project_id)
    if found is None or not is_configured(settings, found):
        raise not_configured(
            settings,
            f"project {project_id} has no {settings.title} {settings.missing}: set "
            f"{' and '.join(settings.required)} with PATCH "
            f"/api/v1/projects/{project_id}/telephony/{settings.name} (or in Project settings)",
        )
    try:
        return getattr(found, settings.plain_field), box.open(getattr(found, settings.sealed_field))
    except UnreadableSecret as error:
        raise not_configured(settings, str(error)) from None


def not_configured(settings: SealedSettings[Any], message: str) -> ApiError:
    return ApiError(409, f"{settings.name}_not_configured", message)
