"""Declaring, changing and removing tracking entities; every rule is checked before a write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError, FieldProblem, conflict, invalid_field, not_found
from dialtrail.api.schemas import with_defaults
from dialtrail.entities import rules, sensitive
from dialtrail.entities.expressions import Node
from dialtrail.entities.models import TrackingEntity
from dialtrail.entities.schemas import EntityCreate, EntityUpdate
from dialtrail.hooks import Hooks
from dialtrail.projects.models import Project


@dataclass(frozen=True)
class EntityUse:
    """Something that sends an entity's value by name (a webhook), and where it does."""

    id: int
    name: str
    places: list[str]  # field paths, such as parameters.0.value (the API's 409 names them)
    labels: list[str]  # what a page calls them: "parameter 'visit id'", "filter 2"


# Who uses an entity by name (webhooks, wired in by wiring.py: they sit above entities).
ENTITY_USERS: Hooks[Callable[[Session, Project, str], list[EntityUse]]] = Hooks(
    "who uses an entity by name"
)


class EntityInUse(ApiError):
    """409 entity_in_use, carrying the uses so that a page can link each webhook."""

    def __init__(self, entity_name: str, uses: list[EntityUse], action: str) -> None:
        listed = "; ".join(
            f"webhook {use.id} {use.name!r} ({', '.join(use.places)})" for use in uses
        )
        message = (
            f"entity.{entity_name} is used by {listed}; change those webhooks first, or repeat "
            f"with ?force=true and they will send it empty (null in JSON) once it is {action}"
        )
        fields = [FieldProblem("name", "used by webhooks")] if action == "renamed" else []
        super().__init__(409, "entity_in_use", message, fields)
        self.uses = uses


@dataclass
class Declaration:
    """The complete set of fields an entity will have once the write is done."""

    name: str
    type: str
    scope: str
    value: str
    keep: str
    enabled: bool
    description: str
    privacy: str


def list_entities(session: Session, project: Project) -> list[TrackingEntity]:
    query = (
        select(TrackingEntity)
        .where(TrackingEntity.project_id == project.id)
        .order_by(TrackingEntity.id)
    )
    return list(session.scalars(query))


def find_entity(session: Session, project: Project, entity_id: int) -> TrackingEntity:
    entity = session.get(TrackingEntity, entity_id)
    if entity is None or entity.project_id != project.id:
        raise not_found(f"tracking entity {entity_id}")
    return entity


def create_entity(session: Session, project: Project, body: EntityCreate) -> TrackingEntity:
    refuse_over_limit(session, project)
    declaration = Declaration(
        name=body.name,
        type=body.type,
        scope=body.scope,
        value=body.value,
        keep=body.keep or "last",
        enabled=body.enabled,
        description=body.description,
        privacy=body.privacy,
    )
    check_declaration(
        session, project, declaration, given_keep=body.keep, confirmed=body.confirm_sensitive
    )
    entity = TrackingEntity(project_id=project.id, **declaration.__dict__)
    session.add(entity)
    session.flush()
    return entity


def update_entity(
    session: Session,
    project: Project,
    entity: TrackingEntity,
    body: EntityUpdate,
    *,
    force: bool = False,
) -> None:
    """Changes the fields ``body`` sets (null: back to the default)."""
    given = body.model_fields_set - {"confirm_sensitive"}
    declared = {name: getattr(body, name) for name in given}
    changes = with_defaults(declared, ENTITY_DEFAULTS, REQUIRED)
    current = {name: getattr(entity, name) for name in Declaration.__dataclass_fields__}
    declaration = Declaration(**{**current, **changes})
    check_declaration(
        session,
        project,
        declaration,
        given_keep=changes.get("keep"),
        confirmed=body.confirm_sensitive,
        saved=(entity.type, entity.value),
        entity_id=entity.id,
    )
    if declaration.name != entity.name and not force:
        refuse_if_used_by_webhooks(session, project, entity, "renamed")
    for name, value in declaration.__dict__.items():
        setattr(entity, name, value)
    session.flush()


# PATCH (api.schemas.with_defaults): null puts a field back to its default; the fields that
# have none cannot be null.
ENTITY_DEFAULTS: dict[str, Any] = {
    "scope": "session",
    "keep": "last",
    "enabled": True,
    "description": "",
    "privacy": "redact",
}
REQUIRED = ("name", "type", "value")


def check_declaration(
    session: Session,
    project: Project,
    declaration: Declaration,
    *,
    given_keep: str | None,
    confirmed: bool,
    saved: tuple[str, str] | None = None,
    entity_id: int | None = None,
) -> None:
    refuse_duplicate_name(session, project, declaration.name, entity_id)
    check_keep(declaration, given_keep)
    parsed = check_value(project, declaration)
    declaration.value = declaration.value.strip()
    if not confirmed and saved != (declaration.type, declaration.value):
        refuse_unconfirmed_wholesale(parsed)


def refuse_over_limit(session: Session, project: Project) -> None:
    count = session.scalar(
        select(func.count())
        .select_from(TrackingEntity)
        .where(TrackingEntity.project_id == project.id)
    )
    if (count or 0) >= rules.MAX_ENTITIES_PER_PROJECT:
        raise ApiError(
            409,
            "limit_reached",
            f"a project can have at most {rules.MAX_ENTITIES_PER_PROJECT} tracking entities; "
            "delete or reuse one",
        )


def refuse_duplicate_name(
    session: Session, project: Project, name: str, entity_id: int | None
) -> None:
    # Names differing only in case would be two CRM fields that look the same; compare
    # without case. The project row is locked, so this check cannot race.
    query = select(TrackingEntity.name).where(
        TrackingEntity.project_id == project.id,
        func.lower(TrackingEntity.name) == name.lower(),
    )
    if entity_id is not None:
        query = query.where(TrackingEntity.id != entity_id)
    existing = session.scalar(query)
    if existing is not None:
        raise conflict(
            f"this project already has a tracking entity named {existing!r} "
            "(names are compared without case)",
            field="name",
        )


def check_keep(declaration: Declaration, given_keep: str | None) -> None:
    if declaration.scope == "session":
        return
    if given_keep == "first":
        raise invalid_field(
            "keep",
            "keep applies only to session scope; a page-view entity holds the last value "
            "seen on each page",
        )
    declaration.keep = "last"


def check_value(project: Project, declaration: Declaration) -> Node:
    try:
        return rules.check_value(
            declaration.type, declaration.value, allow_raw_js=project.allow_raw_js
        )
    except rules.ExpressionError as error:
        raise invalid_field("value", error.message, error.position) from None


def refuse_unconfirmed_wholesale(parsed: Node) -> None:
    # A value that sends every cookie (or all of localStorage) to the CRM is most often a
    # mistake for one cookie; saved with the person's confirmation, it is not asked again
    # until the value changes.
    found = sensitive.forwarded_wholesale(parsed)
    if found:
        raise invalid_field("value", sensitive.refusal(found))


def delete_entity(
    session: Session, project: Project, entity: TrackingEntity, *, force: bool = False
) -> None:
    if not force:
        refuse_if_used_by_webhooks(session, project, entity, "deleted")
    session.delete(entity)
    session.flush()


def refuse_if_used_by_webhooks(
    session: Session, project: Project, entity: TrackingEntity, action: str
) -> None:
    # A webhook maps entity.<name> by name: after a rename or delete it would quietly send an
    # empty value to the CRM. Say which webhooks first; ?force=true accepts exactly that.
    uses = [use for users in ENTITY_USERS for use in users(session, project, entity.name)]
    if uses:
        raise EntityInUse(entity.name, uses, action)


def refuse_raw_js_off_while_used(
    session: Session, project: Project, fields: dict[str, Any]
) -> None:
    """The projects' SETTINGS_CHECKS hook (wiring.py): allow_raw_js stays on while an entity
    uses js:, which would otherwise stop working without a word."""
    if "allow_raw_js" not in fields or fields["allow_raw_js"]:  # false, or null = default
        return
    query = select(TrackingEntity.name).where(
        TrackingEntity.project_id == project.id, TrackingEntity.value.like("js:%")
    )
    names = [name for name in session.scalars(query)]
    if names:
        raise conflict(
            "allow_raw_js cannot be turned off while these entities use js: "
            + ", ".join(sorted(names)),
            field="allow_raw_js",
        )
