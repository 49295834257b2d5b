"""A project's Twilio account (TwilioSettings): read, changed, and its auth token opened.

PATCH semantics as everywhere in the API: a field given as null is cleared, a field left out
is kept, so the write-only auth token need not be sent again to change the account SID.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError
from dialtrail.calls.adapters.twilio.models import TwilioSettings
from dialtrail.secrets import SecretBox, UnreadableSecret

FIELDS = ("account_sid", "auth_token")


def find(db: Session, project_id: int) -> TwilioSettings | None:
    return db.get(TwilioSettings, project_id)


def is_configured(found: TwilioSettings | None) -> bool:
    return found is not None and bool(found.account_sid and found.auth_token)


def update(
    db: Session, project_id: int, given: Mapping[str, str | None], box: SecretBox
) -> TwilioSettings | None:
    """``given``: the fields the client sent (``account_sid``, ``auth_token`` in clear). A
    project without Twilio that clears nothing gets no row (the settings form always sends
    the account SID, empty for most projects)."""
    found = find(db, project_id)
    if found is None and not any(given.values()):
        return None
    found = found or TwilioSettings(project_id=project_id)
    if "account_sid" in given:
        found.account_sid = given["account_sid"]
    if "auth_token" in given:
        token = given["auth_token"]
        found.auth_token = box.seal(token) if token else None
    db.add(found)
    db.flush()
    return found


def auth_token(db: Session, project_id: int, box: SecretBox) -> tuple[str, str]:
    """The account SID and the auth token in clear, or 409 naming what to set."""
    found = find(db, project_id)
    if found is None or not found.account_sid or not found.auth_token:
        raise ApiError(
            409,
            "twilio_not_configured",
            f"project {project_id} has no Twilio credentials: set account_sid and auth_token "
            f"with PATCH /api/v1/projects/{project_id}/telephony/twilio (or in Project settings)",
        )
    try:
        return found.account_sid, box.open(found.auth_token)
    except UnreadableSecret as error:
        raise ApiError(409, "twilio_not_configured", str(error)) from None
