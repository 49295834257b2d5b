"""Set-up → Project settings, New project and Delete project.

The forms go through the projects API's request models (ProjectCreate, ProjectUpdate), its
sealing of the Twilio auth token, and projects.service, so every rule and message is the API's.
Owners change settings; members see them read-only; outsiders get 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from phonenumbers import SUPPORTED_REGIONS
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dialtrail.admin.auth import Admin, CheckedForm, OwnedProject, ReadableProject, SignedIn
from dialtrail.admin.flash import flash
from dialtrail.admin.forms import (
    FormErrors,
    PastedLines,
    PlainMessages,
    errors_with_lines,
    plain_problems,
)
from dialtrail.admin.rendering import redirect, render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError, FieldProblem, invalid
from dialtrail.calls.adapters.receipts import last_receipt
from dialtrail.calls.adapters.twilio.console import PROVIDER as TWILIO
from dialtrail.calls.adapters.twilio.console import ConsoleSetup, console_setup
from dialtrail.projects import service
from dialtrail.projects.access import ProjectAccess
from dialtrail.projects.api import sealed_fields
from dialtrail.projects.models import Project
from dialtrail.projects.schemas import ProjectCreate, ProjectFields, ProjectUpdate
from dialtrail.projects.validation import known_timezones
from dialtrail.settings import Settings

router = APIRouter(prefix="/projects")

LIST_FIELDS = ("domains", "site_numbers")  # one a line in the form
OPTIONAL_FIELDS = ("default_number", "country", "destination", "timezone", "twilio_account_sid")
NEW_PROJECT_FIELDS = ("name", "domains", "site_numbers", "country", "destination", "timezone")
SETTINGS_FIELDS = (
    *NEW_PROJECT_FIELDS,
    "default_number",
    "allow_raw_js",
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


def choices() -> dict[str, list[str]]:
    return {"timezones": sorted(known_timezones()), "countries": sorted(SUPPORTED_REGIONS)}


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
    if "allow_raw_js" in names:
        body["allow_raw_js"] = form.get("allow_raw_js") == "on"
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
    values["allow_raw_js"] = form.get("allow_raw_js") == "on"
    values.pop("twilio_auth_token", None)
    return values


def stored_values(project: Project) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(project, name) or "" for name in OPTIONAL_FIELDS}
    values.update({name: "\n".join(getattr(project, name)) for name in LIST_FIELDS})
    values.update(name=project.name, allow_raw_js=project.allow_raw_js)
    return values


def validated(model: type[ProjectFields], body: dict[str, Any]) -> ProjectFields:
    """The request model of ``body``; when it refuses, every problem of every field."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problems = plain_problems(error, PLAIN_MESSAGES)
        refused_fields = {problem.field.partition(".")[0] for problem in problems}
        others = {
            name: body[name]
            for name in SERVICE_CHECKED
            if name in body and name not in refused_fields
        }
        _, more = service.clean_fields(others, body.get("country"))
        raise invalid(*problems, *more) from None


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
        fields = sealed_fields(validated(ProjectCreate, body), request)
        project = service.create_project(db, admin.user, fields)
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
    values = stored_values(access.project)
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
) -> Response:
    project = access.project
    return render(
        request,
        "projects/settings.html",
        status,
        admin=admin,
        project=project,
        section="settings",
        can_change=access.is_owner,
        twilio_configured=bool(project.twilio_account_sid and project.twilio_auth_token),
        twilio=twilio_setup(request, project),
        twilio_last=last_receipt(db, project.id, TWILIO),
        values=values,
        errors=errors or FormErrors(),
        bad_lines=bad_lines or {},
        notice=notice,
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
    try:
        fields = sealed_fields(validated(ProjectUpdate, body), request)
        service.update_project(db, access.project, fields)
    except (ValidationError, ApiError) as error:
        db.rollback()  # nothing is half-saved: the project is read again as it was
        errors, bad_lines, status = refused(error, pasted, "Nothing was saved")
        values = shown_values(form, SETTINGS_FIELDS)
        return settings_form(request, admin, access, db, values, errors, bad_lines, status)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/settings?saved=1")


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
