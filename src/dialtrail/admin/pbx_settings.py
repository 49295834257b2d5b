"""Project settings → Asterisk and FreeSWITCH: save a PBX's connection (owners; the secret is
write-only, as in the API) and Check connection (log in now with what is stored, and say
exactly why not). The sections themselves are built by pbx_sections.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from dialtrail.admin.auth import CheckedForm, NotFound, OwnedProject, SignedIn
from dialtrail.admin.flash import flash
from dialtrail.admin.forms import form_errors
from dialtrail.admin.pbx_sections import PbxForm
from dialtrail.admin.project_settings import settings_form, stored_values
from dialtrail.admin.rendering import redirect
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError
from dialtrail.calls.adapters.pbx import credentials
from dialtrail.calls.adapters.pbx.adapter import Pbx
from dialtrail.calls.adapters.pbx.settings_api import PbxSettingsUpdate
from dialtrail.calls.adapters.registry import LISTENERS
from dialtrail.secrets import SecretBox, secret_key

router = APIRouter(prefix="/projects")
TYPED = ("host", "port", "username", "did_variable")


def pbx_named(name: str) -> Pbx:
    pbx = LISTENERS.get(name)
    if pbx is None:
        raise NotFound()
    return pbx


def posted(form: dict[str, str], pbx: Pbx) -> dict[str, Any]:
    """The API's body the form stands for: an empty box clears its value; the secret is
    write-only (a blank box keeps it, only the tick box removes it)."""
    body: dict[str, Any] = {name: form.get(name, "").strip() or None for name in TYPED}
    if not pbx.needs_username:
        del body["username"]
    if pbx.did_variable_default is None:
        del body["did_variable"]
    body["enabled"] = form.get("enabled") == "on"
    if form.get("secret", ""):
        body["secret"] = form["secret"]
    elif form.get("forget_secret") == "on":
        body["secret"] = None
    return body


@router.post("/{project_id}/settings/pbx/{name}")
def save_pbx(
    request: Request,
    name: str,
    admin: SignedIn,
    form: CheckedForm,
    access: OwnedProject,
    db: DatabaseSession,
) -> Response:
    pbx = pbx_named(name)
    try:
        checked = PbxSettingsUpdate.model_validate(posted(form, pbx))
    except ValidationError as error:
        refused = PbxForm(typed_values(form), form_errors(error, (*TYPED, "secret", "enabled")))
        values = stored_values(db, access.project)
        return settings_form(request, admin, access, db, values, status=422,
                             pbx_forms={name: refused})  # fmt: skip
    given = {field: getattr(checked, field) for field in checked.model_fields_set}
    try:
        credentials.refuse_host(given, request.app.state.settings.pbx_allowed_networks)
    except ApiError as error:
        refused = PbxForm(typed_values(form), form_errors(error, (*TYPED, "secret", "enabled")))
        values = stored_values(db, access.project)
        return settings_form(request, admin, access, db, values, status=422,
                             pbx_forms={name: refused})  # fmt: skip
    box = SecretBox(secret_key(request.app.state.settings))
    credentials.update(db, pbx, access.project.id, given, box)
    flash(request, admin, db, f"The {pbx.title} settings were saved.")
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/settings#{name}")


@router.post("/{project_id}/settings/pbx/{name}/check")
def check_pbx(
    request: Request,
    name: str,
    admin: SignedIn,
    form: CheckedForm,
    access: OwnedProject,
    db: DatabaseSession,
) -> Response:
    """Checks what the form holds, not yet saved; the stored secret when its box is empty."""
    pbx = pbx_named(name)
    typed = typed_values(form)
    values = stored_values(db, access.project)
    try:
        checked = PbxSettingsUpdate.model_validate(posted(form, pbx))
    except ValidationError as error:
        refused = PbxForm(typed, form_errors(error, (*TYPED, "secret", "enabled")))
        return settings_form(request, admin, access, db, values, status=422,
                             pbx_forms={name: refused})  # fmt: skip
    settings = request.app.state.settings
    box = SecretBox(secret_key(settings))
    given = {field: getattr(checked, field) for field in checked.model_fields_set}
    networks, now = settings.pbx_allowed_networks, request.app.state.clock()
    result = credentials.check_given(db, pbx, access.project.id, given, box, networks, now)
    return settings_form(request, admin, access, db, values,
                         pbx_forms={name: PbxForm(typed, check=result)})  # fmt: skip


def typed_values(form: dict[str, str]) -> dict[str, Any]:
    return {field: form.get(field, "") for field in TYPED} | {
        "enabled": form.get("enabled") == "on"
    }
