"""Conversion definitions (one or more per project) and the feed's basic-auth credentials."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialtrail.api.errors import conflict, invalid_field, not_found
from dialtrail.conversions.models import AdsConversion, AdsFeedCredentials
from dialtrail.conversions.requests import ConversionBody
from dialtrail.projects.models import Project
from dialtrail.storage.base import utcnow

MAX_CONVERSIONS = 20


def list_conversions(db: Session, project: Project) -> list[AdsConversion]:
    query = select(AdsConversion).where(AdsConversion.project_id == project.id)
    return list(db.scalars(query.order_by(AdsConversion.id)))


def find_conversion(db: Session, project: Project, conversion_id: int) -> AdsConversion:
    conversion = db.get(AdsConversion, conversion_id)
    if conversion is None or conversion.project_id != project.id:
        raise not_found(f"ads conversion {conversion_id}")
    return conversion


def create_conversion(db: Session, project: Project, body: ConversionBody) -> AdsConversion:
    if len(list_conversions(db, project)) >= MAX_CONVERSIONS:
        raise conflict(f"a project has at most {MAX_CONVERSIONS} ads conversions", "name")
    conversion = AdsConversion(project_id=project.id)
    apply(db, conversion, body)
    db.add(conversion)
    db.flush()
    return conversion


def replace_conversion(
    db: Session, project: Project, conversion_id: int, body: ConversionBody
) -> AdsConversion:
    conversion = find_conversion(db, project, conversion_id)
    apply(db, conversion, body)
    db.flush()
    return conversion


def switch_conversion(
    db: Session, project: Project, conversion_id: int, *, enabled: bool
) -> AdsConversion:
    conversion = find_conversion(db, project, conversion_id)
    conversion.enabled = enabled
    db.flush()
    return conversion


def delete_conversion(db: Session, project: Project, conversion_id: int) -> None:
    db.delete(find_conversion(db, project, conversion_id))
    db.flush()


def apply(db: Session, conversion: AdsConversion, body: ConversionBody) -> None:
    if body.currency is not None and body.value is None:
        raise invalid_field("currency", "a currency needs a value; set value too, or neither")
    refuse_taken_name(db, conversion, body.name)
    conversion.name = body.name
    conversion.enabled = body.enabled
    conversion.answered_only = body.answered_only
    conversion.min_talk_seconds = body.min_talk_seconds
    conversion.first_call_only = body.first_call_only
    conversion.value = None if body.value is None else f"{body.value:f}"
    conversion.currency = body.currency


def refuse_taken_name(db: Session, conversion: AdsConversion, name: str) -> None:
    """Two definitions of one name would upload the same call twice under it."""
    query = select(AdsConversion.id).where(
        AdsConversion.project_id == conversion.project_id,
        func.lower(AdsConversion.name) == name.lower(),
    )
    if conversion.id is not None:
        query = query.where(AdsConversion.id != conversion.id)
    if db.scalar(query) is not None:
        raise conflict(f"this project already has an ads conversion named {name!r}", "name")


# --- The conversion files' credentials ---------------------------------------------------


@dataclass(frozen=True)
class IssuedCredentials:
    """A new pair, with the password in clear: shown once, never stored as it is."""

    username: str
    password: str
    record: AdsFeedCredentials


def hash_password(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def find_credentials(db: Session, project_id: int) -> AdsFeedCredentials | None:
    return db.get(AdsFeedCredentials, project_id)


def issue_credentials(db: Session, project: Project) -> IssuedCredentials:
    """A new user name and password; the previous pair stops working at once (rotation)."""
    username = f"dt-ads-{project.id}-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)
    record = find_credentials(db, project.id) or AdsFeedCredentials(project_id=project.id)
    record.username = username
    record.password_hash = hash_password(password)
    record.issued_at = utcnow()
    db.add(record)
    db.flush()
    return IssuedCredentials(username, password, record)


def credentials_hold(db: Session, project_id: int, username: str, password: str) -> bool:
    record = find_credentials(db, project_id)
    if record is None:
        return False
    same_user = hmac.compare_digest(record.username.encode(), username.encode())
    same_password = hmac.compare_digest(record.password_hash, hash_password(password))
    return same_user and same_password
