"""``/api/v1/projects/{id}/tracking-entities``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from dialtrail.api.database import DatabaseSession
from dialtrail.api.schemas import EntityId, ProjectId
from dialtrail.collector.deriver import caught_up
from dialtrail.entities import rules, service
from dialtrail.entities.schemas import EntityCreate, EntityList, EntityOut, EntityUpdate
from dialtrail.projects.access import readable_project, writable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.sessions.entity_health import health_of, healths

# Renaming or deleting an entity a webhook uses is refused (409) unless forced.
Force = Annotated[bool, Query(description="Rename or delete even when webhooks use the entity.")]

router = APIRouter(prefix="/projects/{project_id}/tracking-entities", tags=["tracking entities"])


@router.get("", summary="List a project's tracking entities")
def list_entities(project_id: ProjectId, user: CurrentUser, session: DatabaseSession) -> EntityList:
    access = readable_project(session, user, project_id)
    caught_up(session)  # entity health is derived from the collector's journal
    entities = service.list_entities(session, access.project)
    found = healths(session, access.project.id, entities)
    return EntityList(
        items=[
            EntityOut.build(entity, health) for entity, health in zip(entities, found, strict=True)
        ],
        limit=rules.MAX_ENTITIES_PER_PROJECT,
    )


@router.post("", status_code=201, summary="Declare a tracking entity")
def create_entity(
    project_id: ProjectId, body: EntityCreate, user: CurrentUser, session: DatabaseSession
) -> EntityOut:
    access = writable_project(session, user, project_id)
    entity = service.create_entity(session, access.project, body)
    session.commit()
    return EntityOut.build(entity, health_of(session, entity))


@router.get("/{entity_id}", summary="Show a tracking entity")
def show_entity(
    project_id: ProjectId, entity_id: EntityId, user: CurrentUser, session: DatabaseSession
) -> EntityOut:
    access = readable_project(session, user, project_id)
    caught_up(session)
    entity = service.find_entity(session, access.project, entity_id)
    return EntityOut.build(entity, health_of(session, entity))


@router.patch("/{entity_id}", summary="Change a tracking entity")
def update_entity(
    project_id: ProjectId,
    entity_id: EntityId,
    body: EntityUpdate,
    user: CurrentUser,
    session: DatabaseSession,
    force: Force = False,
) -> EntityOut:
    access = writable_project(session, user, project_id)
    entity = service.find_entity(session, access.project, entity_id)
    service.update_entity(session, access.project, entity, body, force=force)
    session.commit()
    return EntityOut.build(entity, health_of(session, entity))


@router.delete("/{entity_id}", status_code=204, summary="Delete a tracking entity")
def delete_entity(
    project_id: ProjectId,
    entity_id: EntityId,
    user: CurrentUser,
    session: DatabaseSession,
    force: Force = False,
) -> Response:
    access = writable_project(session, user, project_id)
    entity = service.find_entity(session, access.project, entity_id)
    service.delete_entity(session, access.project, entity, force=force)
    session.commit()
    return Response(status_code=204)
