"""Call tracking → Tracking entities: the list with each entity's health, add, edit, delete.

Forms go through the API's own request models (EntityCreate, EntityUpdate) and
entities.service, so every rule and message is the API's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from dialtrail.admin.auth import Admin, CheckedForm, ReadableProject, SignedIn, WritableProject
from dialtrail.admin.forms import FormErrors, form_errors
from dialtrail.admin.rendering import redirect, render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError
from dialtrail.api.schemas import EntityId
from dialtrail.entities import rules, service
from dialtrail.entities.expressions import ExpressionError, parse_path
from dialtrail.entities.health import health_of
from dialtrail.entities.models import TrackingEntity
from dialtrail.entities.schemas import EntityCreate, EntityUpdate
from dialtrail.projects.models import Project

router = APIRouter(prefix="/projects/{project_id}/entities")

FIELDS = ("name", "type", "scope", "value", "keep", "enabled", "description")
NEW_ENTITY: dict[str, Any] = {
    "name": "",
    "type": "expression",
    "scope": "session",
    "value": "",
    "keep": "last",
    "enabled": True,
    "description": "",
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
    entities = service.list_entities(db, access.project)
    rows = [
        (entity, health_of(db, entity), console_checks(entity.name, entity.value))
        for entity in entities
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
) -> Response:
    return render(
        request,
        "entities/form.html",
        422 if errors else 200,
        admin=admin,
        project=project,
        section="entities",
        values=values,
        errors=errors or FormErrors(),
        entity=entity,
        checks=console_checks(values["name"] or "NAME", values["value"]),
    )


def posted_fields(form: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {name: form[name] for name in FIELDS if name in form}
    fields["enabled"] = form.get("enabled") == "on"  # an unticked box is not sent at all
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
        service.create_entity(db, access.project, body.model_dump())
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
    values = {name: getattr(entity, name) for name in FIELDS}
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
    try:
        body = EntityUpdate.model_validate(fields)
        service.update_entity(db, access.project, entity, body.model_dump(exclude_unset=True))
    except (ValidationError, ApiError) as error:
        db.rollback()
        entity = service.find_entity(db, access.project, entity_id)
        values = {**NEW_ENTITY, **fields}
        errors = form_errors(error, FIELDS)
        return entity_form(request, admin, access.project, values, errors, entity)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/entities")


@router.post("/{entity_id}/delete")
def delete_entity(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: WritableProject,
    entity_id: EntityId,
    db: DatabaseSession,
) -> Response:
    db.delete(service.find_entity(db, access.project, entity_id))
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/entities")
