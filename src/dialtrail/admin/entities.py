"""Call tracking → Tracking entities: the list with each entity's health, add, edit, delete.

Forms go through the API's own request models (EntityCreate, EntityUpdate) and
entities.service, so every rule and message is the API's, including the refusal to rename or
delete an entity that webhooks use (service.EntityInUse) unless the person says "anyway".
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from dialtrail.admin.auth import Admin, CheckedForm, ReadableProject, SignedIn, WritableProject
from dialtrail.admin.flash import flash
from dialtrail.admin.forms import FormErrors, form_errors
from dialtrail.admin.rendering import redirect, render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError, FieldProblem
from dialtrail.api.schemas import EntityId
from dialtrail.collector.deriver import caught_up
from dialtrail.entities import rules, sensitive, service
from dialtrail.entities.expressions import ExpressionError, parse_path
from dialtrail.entities.models import TrackingEntity
from dialtrail.entities.schemas import EntityCreate, EntityUpdate
from dialtrail.entities.service import EntityUse
from dialtrail.projects.models import Project
from dialtrail.sessions.entity_health import healths

router = APIRouter(prefix="/projects/{project_id}/entities")

FIELDS = ("name", "type", "scope", "value", "keep", "privacy", "enabled", "description")
NEW_ENTITY: dict[str, Any] = {
    "name": "",
    "type": "expression",
    "scope": "session",
    "value": "",
    "keep": "last",
    "privacy": "redact",
    "enabled": True,
    "description": "",
    "confirm_sensitive": False,
}


def console_checks(name: str, value: str) -> list[str]:
    """What to type in the site's browser console to see the value the script reads."""
    checks = [f"dialtrail.entities().{name}"]
    try:
        parse_path(value.strip())
    except ExpressionError:
        return checks
    return [*checks, value.strip()]


@router.get("")
def entity_list(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    caught_up(db)  # entity health is derived from the collector's journal
    entities = service.list_entities(db, access.project)
    found = healths(db, access.project.id, entities)
    rows = [
        (entity, health, console_checks(entity.name, entity.value))
        for entity, health in zip(entities, found, strict=True)
    ]
    return render(
        request,
        "entities/list.html",
        admin=admin,
        project=access.project,
        section="entities",
        rows=rows,
        limit=rules.MAX_ENTITIES_PER_PROJECT,
    )


def entity_form(
    request: Request,
    admin: Admin,
    project: Project,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    entity: TrackingEntity | None = None,
    in_use: list[EntityUse] | None = None,
) -> Response:
    wholesale = wholesale_reads(project, values)
    errors = errors or FormErrors()
    refused = errors.fields.get("value")
    if wholesale and refused and refused.message == sensitive.refusal(wholesale):
        # The warning under the field says it all; the API's words would repeat it.
        errors.fields["value"] = FieldProblem("value", "tick “Forward it anyway” below to save it")
    return render(
        request,
        "entities/form.html",
        (409 if in_use else 422) if errors else 200,
        admin=admin,
        project=project,
        section="entities",
        values=values,
        errors=errors,
        entity=entity,
        checks=console_checks(values["name"] or "NAME", values["value"]),
        in_use=in_use or [],
        wholesale=wholesale,
    )


def wholesale_reads(project: Project, values: dict[str, Any]) -> list[str]:
    """What the value would send whole (every cookie, all of localStorage): the form then
    asks for the confirmation the API needs (entities/sensitive.py)."""
    try:
        parsed = rules.check_value(
            str(values["type"]), str(values["value"]).strip(), allow_raw_js=project.allow_raw_js
        )
    except ExpressionError:
        return []
    return sensitive.forwarded_wholesale(parsed)


def posted_fields(form: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {name: form[name] for name in FIELDS if name in form}
    fields["enabled"] = form.get("enabled") == "on"  # an unticked box is not sent at all
    fields["confirm_sensitive"] = form.get("confirm_sensitive") == "on"
    return fields


@router.get("/new")
def new_entity(request: Request, admin: SignedIn, access: ReadableProject) -> Response:
    return entity_form(request, admin, access.project, dict(NEW_ENTITY))


@router.post("/new")
def create_entity(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: WritableProject,
    db: DatabaseSession,
) -> Response:
    fields = posted_fields(form)
    try:
        body = EntityCreate.model_validate(fields)
        service.create_entity(db, access.project, body)
    except (ValidationError, ApiError) as error:
        db.rollback()
        values = {**NEW_ENTITY, **fields}
        return entity_form(request, admin, access.project, values, form_errors(error, FIELDS))
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/entities")


@router.get("/{entity_id}/edit")
def edit_entity(
    request: Request,
    admin: SignedIn,
    access: ReadableProject,
    entity_id: EntityId,
    db: DatabaseSession,
) -> Response:
    entity = service.find_entity(db, access.project, entity_id)
    values = {**{name: getattr(entity, name) for name in FIELDS}, "confirm_sensitive": False}
    return entity_form(request, admin, access.project, values, entity=entity)


@router.post("/{entity_id}/edit")
def update_entity(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: WritableProject,
    entity_id: EntityId,
    db: DatabaseSession,
) -> Response:
    entity = service.find_entity(db, access.project, entity_id)
    fields = posted_fields(form)
    force = form.get("force") == "on"
    try:
        body = EntityUpdate.model_validate(fields)
        service.update_entity(db, access.project, entity, body, force=force)
    except (ValidationError, ApiError) as error:
        db.rollback()
        entity = service.find_entity(db, access.project, entity_id)
        values = {**NEW_ENTITY, **fields}
        errors, in_use = update_errors(error, entity.name)
        return entity_form(request, admin, access.project, values, errors, entity, in_use)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/entities")


def update_errors(
    error: ValidationError | ApiError, name: str
) -> tuple[FormErrors, list[EntityUse]]:
    errors = form_errors(error, FIELDS)
    if not isinstance(error, service.EntityInUse):
        return errors, []
    names = ", ".join(repr(use.name) for use in error.uses)
    message = (
        f"entity.{name} is used by the webhooks {names} (listed below): "
        "renamed, it would reach them empty."
    )
    errors.fields["name"] = FieldProblem("name", message)
    return errors, error.uses


@router.post("/{entity_id}/delete")
def delete_entity(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: WritableProject,
    entity_id: EntityId,
    db: DatabaseSession,
) -> Response:
    entity = service.find_entity(db, access.project, entity_id)
    name = entity.name
    try:
        service.delete_entity(db, access.project, entity, force=form.get("force") == "on")
    except service.EntityInUse as in_use:
        db.rollback()
        return in_use_page(request, admin, access.project, entity_id, name, in_use.uses)
    flash(request, admin, db, f"The tracking entity {name} was deleted.")
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/entities")


def in_use_page(
    request: Request,
    admin: Admin,
    project: Project,
    entity_id: int,
    name: str,
    uses: list[EntityUse],
) -> Response:
    return render(
        request,
        "entities/in_use.html",
        409,
        admin=admin,
        project=project,
        section="entities",
        entity_id=entity_id,
        name=name,
        uses=uses,
    )
