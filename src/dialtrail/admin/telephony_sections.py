"""Project settings → the Telnyx and Vonage sections: each provider's keys in a form of its
own (saved through the adapter's own request model and credentials, so every rule and message
is the API's), the URLs to paste into the provider's console, and its last request.

A secret (Telnyx's API key, Vonage's signature secret) is write-only, as in the API: a blank
box keeps the stored one, only the tick box removes it, and it is never shown again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dialtrail.admin.forms import FormErrors, plain_problems
from dialtrail.api.errors import FieldProblem
from dialtrail.api.schemas import RequestBody
from dialtrail.calls.adapters import sealed_settings
from dialtrail.calls.adapters.receipts import Noted, last_receipt, recent_receipts
from dialtrail.calls.adapters.sealed_settings import SealedSettings
from dialtrail.calls.adapters.telnyx.credentials import TELNYX
from dialtrail.calls.adapters.telnyx.settings_api import TelnyxSettingsUpdate
from dialtrail.calls.adapters.vonage.credentials import VONAGE
from dialtrail.calls.adapters.vonage.settings_api import VonageSettingsUpdate
from dialtrail.calls.models import TelephonyReceipt
from dialtrail.projects.models import Project
from dialtrail.settings import Settings


@dataclass(frozen=True)
class ProviderForm:
    """One provider's section: its settings (sealed_settings) and its request model."""

    settings: SealedSettings[Any]
    model: type[RequestBody]

    @property
    def name(self) -> str:
        """The adapter's name, and the prefix of its form fields ("telnyx_api_key")."""
        return self.settings.name


FORMS = {
    "telnyx": ProviderForm(TELNYX, TelnyxSettingsUpdate),
    "vonage": ProviderForm(VONAGE, VonageSettingsUpdate),
}


@dataclass
class Typed:
    """What was typed in a refused section, to show it again with its errors."""

    values: dict[str, str] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)


@dataclass(frozen=True)
class Section:
    form: ProviderForm
    configured: bool
    secret_stored: bool
    values: dict[str, str]  # field name (prefixed) → shown value
    errors: FormErrors
    setup: Any  # the adapter's ConsoleSetup
    last: TelephonyReceipt | None
    recent: list[Noted]  # the last requests, newest first (the last one included)


def sections(
    request: Request, db: Session, project: Project, typed: Mapping[str, Typed]
) -> list[Section]:
    settings: Settings = request.app.state.settings
    return [section(db, project, form, typed.get(name), settings) for name, form in FORMS.items()]


def section(
    db: Session, project: Project, form: ProviderForm, typed: Typed | None, settings: Settings
) -> Section:
    found = sealed_settings.find(db, form.settings, project.id)
    receipt = last_receipt(db, project.id, form.name)
    plain = form.settings.plain_field
    stored = {f"{form.name}_{plain}": (getattr(found, plain) if found else None) or ""}
    return Section(
        form=form,
        configured=sealed_settings.is_configured(form.settings, found),
        secret_stored=bool(found and getattr(found, form.settings.sealed_field)),
        values=typed.values if typed else stored,
        errors=typed.errors if typed else FormErrors(),
        setup=form.settings.console_setup(settings.base_url, settings.public_url, project.id),
        last=receipt,
        recent=recent_receipts(receipt),
    )


def posted(form: ProviderForm, fields: Mapping[str, str]) -> dict[str, str | None]:
    """The API's request body the section's form stands for."""
    plain, secret_field = form.settings.plain_field, form.settings.sealed_field
    body = {plain: fields.get(f"{form.name}_{plain}", "").strip() or None}
    secret = fields.get(f"{form.name}_{secret_field}", "").strip()
    if secret:
        body[secret_field] = secret
    elif fields.get(f"forget_{form.name}_{secret_field}") == "on":
        body[secret_field] = None
    return body


def checked(
    form: ProviderForm, fields: Mapping[str, str]
) -> tuple[dict[str, str | None], Typed | None]:
    """The fields to save, or what to show again (never the secret) with the problems."""
    try:
        body = form.model.model_validate(posted(form, fields))
    except ValidationError as error:
        problems = plain_problems(error, {})
        errors = FormErrors({f"{form.name}_{p.field}": prefixed(form, p) for p in problems})
        shown_name = f"{form.name}_{form.settings.plain_field}"
        return {}, Typed({shown_name: fields.get(shown_name, "")}, errors)
    return {name: getattr(body, name) for name in body.model_fields_set}, None


def prefixed(form: ProviderForm, problem: FieldProblem) -> FieldProblem:
    return FieldProblem(f"{form.name}_{problem.field}", problem.message, problem.position)
