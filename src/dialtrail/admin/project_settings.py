"""Set-up → Project settings, New project and Delete project.

The forms go through the projects API's request models (ProjectCreate, ProjectUpdate), its
sealing of the Twilio auth token, and projects.service, so every rule and message is the API's.
Owners change settings; members see them read-only; outsiders get 404.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from phonenumbers import SUPPORTED_REGIONS
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dialtrail.admin import telephony_sections
from dialtrail.admin.auth import (
    Admin,
    CheckedForm,
    NotFound,
    OwnedProject,
    ReadableProject,
    SignedIn,
)
from dialtrail.admin.flash import flash
from dialtrail.admin.forms import (
    FormErrors,
    PastedLines,
    PlainMessages,
    errors_with_lines,
    plain_problems,
)
from dialtrail.admin.pbx_sections import PbxForm, pbx_sections
from dialtrail.admin.rendering import redirect, render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError, FieldProblem, invalid
from dialtrail.calls.adapters import sealed_settings
from dialtrail.calls.adapters.receipts import last_receipt, recent_receipts
from dialtrail.calls.adapters.twilio.console import ConsoleSetup, console_setup
from dialtrail.calls.adapters.twilio.credentials import TWILIO
from dialtrail.calls.adapters.twilio.settings_api import TwilioSettingsUpdate
from dialtrail.projects import service
from dialtrail.projects.access import ProjectAccess
from dialtrail.projects.models import CONSENT_MODES, Project
from dialtrail.projects.schemas import ProjectCreate, ProjectFields, ProjectUpdate
from dialtrail.projects.validation import known_timezones
from dialtrail.secrets import SecretBox, secret_key
from dialtrail.settings import Settings

router = APIRouter(prefix="/projects")

LIST_FIELDS = ("domains", "site_numbers")  # one a line in the form
OPTIONAL_FIELDS = ("default_number", "country", "destination", "timezone", "twilio_account_sid")
# The Twilio adapter's own settings (its table, its API), shown in this form as twilio_<name>.
TWILIO_PREFIX = "twilio_"
NEW_PROJECT_FIELDS = ("name", "domains", "site_numbers", "country", "destination", "timezone")
# Privacy and retention (docs/privacy.md): the numbers go to the API's model as typed, an
# empty box meaning the default.
RETENTION_FIELDS = (
    "session_retention_months",
    "call_retention_months",
    "webhook_log_retention_days",
)
CHECKBOXES = ("allow_raw_js", "redact_personal_data")
SETTINGS_FIELDS = (
    *NEW_PROJECT_FIELDS,
    "default_number",
    *CHECKBOXES,
    "consent",
    *RETENTION_FIELDS,
    "twilio_account_sid",
    "twilio_auth_token",
)
NEW_PROJECT = {name: "" for name in NEW_PROJECT_FIELDS} | {"timezone": "UTC"}
# Fields projects.service checks after the request model: checked even when the model refused
# another field, so that a form shows every problem at once, not in two rounds.
SERVICE_CHECKED = (*LIST_FIELDS, "default_number", "country", "destination", "timezone")
PLAIN_MESSAGES: PlainMessages = {
    ("name", "string_too_short"): "Give the project a name.",
    ("name", "missing"): "Give the project a name.",
    ("name", "string_too_long"): "Make the name shorter: at most 200 characters.",
}


def choices() -> dict[str, Any]:
    return {
        "timezones": sorted(known_timezones()),
        "countries": sorted(SUPPORTED_REGIONS),
        "consent_modes": CONSENT_MODES,
    }


def posted(form: dict[str, str], names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request body the form stands for, and the one-a-line boxes as pasted."""
    body: dict[str, Any] = {"name": form.get("name", "")}
    pasted: dict[str, PastedLines] = {}
    for name in names:
        if name in LIST_FIELDS:
            pasted[name] = PastedLines.of(form.get(name, ""))
            body[name] = pasted[name].values
        elif name in OPTIONAL_FIELDS:
            body[name] = form.get(name, "").strip() or None  # an empty box: the default
    for name in CHECKBOXES:
        if name in names:
            body[name] = form.get(name) == "on"
    for name in RETENTION_FIELDS:
        if name in names:
            body[name] = form.get(name, "").strip() or None
    if "consent" in names and "consent" in form:  # a radio group: absent keeps what is stored
        body["consent"] = form["consent"]
    if "twilio_auth_token" in names:
        body.update(posted_token(form))
    return body, pasted


def posted_token(form: dict[str, str]) -> dict[str, Any]:
    # Write-only: a blank box keeps the stored token; only the tick box removes it.
    token = form.get("twilio_auth_token", "").strip()
    if token:
        return {"twilio_auth_token": token}
    if form.get("forget_twilio_auth_token") == "on":
        return {"twilio_auth_token": None}
    return {}


def shown_values(form: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    """What the person typed, to show again next to the errors (never the auth token)."""
    values: dict[str, Any] = {name: form.get(name, "") for name in names}
    values.update({name: form.get(name) == "on" for name in CHECKBOXES})
    values.pop("twilio_auth_token", None)
    return values


def stored_values(db: Session, project: Project) -> dict[str, Any]:
    names = [name for name in OPTIONAL_FIELDS if not name.startswith(TWILIO_PREFIX)]
    values: dict[str, Any] = {name: getattr(project, name) or "" for name in names}
    twilio = sealed_settings.find(db, TWILIO, project.id)
    values["twilio_account_sid"] = (twilio.account_sid if twilio else None) or ""
    values.update({name: "\n".join(getattr(project, name)) for name in LIST_FIELDS})
    values.update(name=project.name, allow_raw_js=project.allow_raw_js, consent=project.consent)
    values.update(
        {name: getattr(project, name) for name in (*RETENTION_FIELDS, "redact_personal_data")}
    )
    return values


Fields = TypeVar("Fields", bound=ProjectFields)


def validated(
    model: type[Fields], body: dict[str, Any], more_problems: Sequence[FieldProblem] = ()
) -> Fields:
    """The request model of ``body``; when it (or ``more_problems``) refuses, every problem of
    every field, so that the form shows them all at once."""
    try:
        checked = model.model_validate(body)
    except ValidationError as error:
        problems = plain_problems(error, PLAIN_MESSAGES)
        refused_fields = {problem.field.partition(".")[0] for problem in problems}
        others = {
            name: body[name]
            for name in SERVICE_CHECKED
            if name in body and name not in refused_fields
        }
        _, more = service.clean_fields(others, body.get("country"))
        raise invalid(*problems, *more, *more_problems) from None
    if more_problems:
        given = {name: body[name] for name in SERVICE_CHECKED if name in body}
        _, more = service.clean_fields(given, body.get("country"))
        raise invalid(*more, *more_problems)
    return checked


def twilio_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Takes the twilio_<name> fields out of the project's body: the adapter's own."""
    names = [name for name in body if name.startswith(TWILIO_PREFIX)]
    return {name.removeprefix(TWILIO_PREFIX): body.pop(name) for name in names}


def checked_twilio(body: dict[str, Any]) -> tuple[dict[str, str | None], list[FieldProblem]]:
    """The Twilio fields given, checked as the API checks them; problems named as the form's."""
    try:
        checked = TwilioSettingsUpdate.model_validate(body)
    except ValidationError as error:
        problems = plain_problems(error, PLAIN_MESSAGES)
        return {}, [replace(problem, field=TWILIO_PREFIX + problem.field) for problem in problems]
    return {name: getattr(checked, name) for name in checked.model_fields_set}, []


def refused(
    error: ApiError | ValidationError, pasted: dict[str, Any], nothing: str
) -> tuple[Any, Any, int]:
    errors, bad_lines = errors_with_lines(error, pasted, SETTINGS_FIELDS, nothing)
    status = error.status if isinstance(error, ApiError) else 422
    return errors, bad_lines, status


@router.get("/new")
def new_project(request: Request, admin: SignedIn) -> Response:
    return new_project_form(request, admin, dict(NEW_PROJECT))


def new_project_form(
    request: Request,
    admin: Admin,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    bad_lines: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "projects/new.html",
        status,
        admin=admin,
        values=values,
        errors=errors or FormErrors(),
        bad_lines=bad_lines or {},
        **choices(),
    )


@router.post("/new")
def create_project(
    request: Request, admin: SignedIn, form: CheckedForm, db: DatabaseSession
) -> Response:
    body, pasted = posted(form, NEW_PROJECT_FIELDS)
    try:
        project = service.create_project(db, admin.user, validated(ProjectCreate, body))
    except (ValidationError, ApiError) as error:
        db.rollback()
        errors, bad_lines, status = refused(error, pasted, "The project was not created")
        values = shown_values(form, NEW_PROJECT_FIELDS)
        return new_project_form(request, admin, values, errors, bad_lines, status)
    db.commit()
    return redirect(request, f"/admin/projects/{project.id}/installation")


@router.get("/{project_id}/settings")
def settings(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    notice = "The settings were saved." if request.query_params.get("saved") else None
    values = stored_values(db, access.project)
    return settings_form(request, admin, access, db, values, notice=notice)


def settings_form(
    request: Request,
    admin: Admin,
    access: ProjectAccess,
    db: Session,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    bad_lines: dict[str, Any] | None = None,
    status: int = 200,
    notice: str | None = None,
    typed: Mapping[str, telephony_sections.Typed] | None = None,
    pbx_forms: Mapping[str, PbxForm] | None = None,
) -> Response:
    """``typed``: a refused provider section's own values and errors, by provider."""
    project = access.project
    twilio_found = sealed_settings.find(db, TWILIO, project.id)
    twilio_last = last_receipt(db, project.id, TWILIO.name)
    return render(
        request,
        "projects/settings.html",
        status,
        admin=admin,
        project=project,
        section="settings",
        can_change=access.is_owner,
        twilio_configured=sealed_settings.is_configured(TWILIO, twilio_found),
        twilio_token_stored=bool(twilio_found and twilio_found.auth_token),
        twilio=twilio_setup(request, project),
        twilio_last=twilio_last,
        twilio_recent=recent_receipts(twilio_last),
        providers=telephony_sections.sections(request, db, project, typed or {}),
        pbx_sections=pbx_sections(db, project, pbx_forms),
        values=values,
        errors=errors or FormErrors(),
        bad_lines=bad_lines or {},
        notice=notice,
        journal_retention_hours=request.app.state.settings.journal_retention_hours,
        **choices(),
    )


def twilio_setup(request: Request, project: Project) -> ConsoleSetup:
    settings: Settings = request.app.state.settings
    return console_setup(settings.base_url, settings.public_url, project.id)


@router.post("/{project_id}/settings")
def update_settings(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: OwnedProject,
    db: DatabaseSession,
) -> Response:
    body, pasted = posted(form, SETTINGS_FIELDS)
    twilio, twilio_problems = checked_twilio(twilio_fields(body))
    try:
        changes = validated(ProjectUpdate, body, twilio_problems)
        service.update_project(db, access.project, changes)
        box = SecretBox(secret_key(request.app.state.settings))
        sealed_settings.update(db, TWILIO, access.project.id, twilio, box)
    except (ValidationError, ApiError) as error:
        db.rollback()  # nothing is half-saved: the project is read again as it was
        errors, bad_lines, status = refused(error, pasted, "Nothing was saved")
        values = shown_values(form, SETTINGS_FIELDS)
        return settings_form(request, admin, access, db, values, errors, bad_lines, status)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/settings?saved=1")


@router.post("/{project_id}/settings/telephony/{provider}")
def update_provider(
    request: Request,
    provider: str,
    admin: SignedIn,
    form: CheckedForm,
    access: OwnedProject,
    db: DatabaseSession,
) -> Response:
    """A provider section's own form (Telnyx, Vonage): saves that provider's keys alone."""
    spec = telephony_sections.FORMS.get(provider)
    if spec is None:
        raise NotFound
    given, refused = telephony_sections.checked(spec, form)
    if refused is not None:
        values = stored_values(db, access.project)
        typed = {provider: refused}
        return settings_form(request, admin, access, db, values, status=422, typed=typed)
    box = SecretBox(secret_key(request.app.state.settings))
    sealed_settings.update(db, spec.settings, access.project.id, given, box)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/settings?saved=1#{provider}")


@router.get("/{project_id}/settings/delete")
def confirm_delete(request: Request, admin: SignedIn, access: OwnedProject) -> Response:
    return delete_form(request, admin, access)


def delete_form(
    request: Request, admin: Admin, access: ProjectAccess, errors: FormErrors | None = None
) -> Response:
    return render(
        request,
        "projects/delete.html",
        422 if errors else 200,
        admin=admin,
        project=access.project,
        section="settings",
        errors=errors or FormErrors(),
    )


@router.post("/{project_id}/settings/delete")
def delete_project(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: OwnedProject,
    db: DatabaseSession,
) -> Response:
    # Typing the name makes sure the right project goes: the switcher makes it easy to be in
    # another project's settings than one thinks.
    if form.get("confirm_name", "").strip() != access.project.name:
        problem = FieldProblem("confirm_name", "type the project's name exactly as shown")
        return delete_form(request, admin, access, FormErrors({"confirm_name": problem}))
    name = access.project.name
    service.delete_project(db, access.project)
    flash(request, admin, db, f"The project {name} and all its data were deleted.")
    db.commit()
    return redirect(request, "/admin/")
