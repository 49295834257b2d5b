"""``/api/v1/projects/{id}/numbers``: pool and static numbers, and the pool's utilisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dialtrail.api.database import DatabaseSession, Now
from dialtrail.api.schemas import NumberId, ProjectId
from dialtrail.numbers import service
from dialtrail.numbers.requests import NumberCreate, NumbersCreate, NumberUpdate
from dialtrail.numbers.schemas import NumberList, NumberOut, NumbersAdded, UsageOut
from dialtrail.numbers.usage import usage_of
from dialtrail.projects.access import readable_project, writable_project
from dialtrail.projects.auth import CurrentUser

router = APIRouter(prefix="/projects/{project_id}/numbers", tags=["numbers"])


@router.get("", summary="List a project's tracking numbers")
def list_numbers(
    project_id: ProjectId,
    user: CurrentUser,
    session: DatabaseSession,
    now: Now,
    include_removed: Annotated[bool, Query(description="Also list removed numbers.")] = False,
) -> NumberList:
    project = readable_project(session, user, project_id).project
    states = service.list_numbers(session, project, now, include_removed=include_removed)
    return NumberList(items=[NumberOut.build(state) for state in states])


@router.post("", status_code=201, summary="Add a pool or static number")
def add_number(
    project_id: ProjectId, body: NumberCreate, user: CurrentUser, session: DatabaseSession, now: Now
) -> NumberOut:
    project = writable_project(session, user, project_id).project
    number = service.add_number(session, project, body)
    session.commit()
    return NumberOut.build(service.number_state(session, project, number, now))


@router.post("/bulk", status_code=201, summary="Add many numbers at once (all or none)")
def add_numbers(
    project_id: ProjectId,
    body: NumbersCreate,
    user: CurrentUser,
    session: DatabaseSession,
    now: Now,
) -> NumbersAdded:
    project = writable_project(session, user, project_id).project
    added, present = service.add_numbers(session, project, body)
    session.commit()
    return NumbersAdded(
        added=[NumberOut.build(service.number_state(session, project, n, now)) for n in added],
        already_present=present,
    )


@router.get("/usage", summary="The pool's utilisation and a recommended size")
def pool_usage(
    project_id: ProjectId,
    user: CurrentUser,
    session: DatabaseSession,
    now: Now,
    hours: Annotated[int, Query(ge=1, le=24 * 90, description="Hours to look back.")] = 168,
) -> UsageOut:
    project = readable_project(session, user, project_id).project
    return UsageOut.build(usage_of(session, project, now, hours))


@router.get("/{number_id}", summary="Show a tracking number")
def show_number(
    project_id: ProjectId,
    number_id: NumberId,
    user: CurrentUser,
    session: DatabaseSession,
    now: Now,
) -> NumberOut:
    project = readable_project(session, user, project_id).project
    number = service.find_number(session, project, number_id)
    return NumberOut.build(service.number_state(session, project, number, now))


@router.patch("/{number_id}", summary="Change a number's kind, label or destination")
def update_number(
    project_id: ProjectId,
    number_id: NumberId,
    body: NumberUpdate,
    user: CurrentUser,
    session: DatabaseSession,
    now: Now,
) -> NumberOut:
    project = writable_project(session, user, project_id).project
    number = service.find_number(session, project, number_id)
    service.update_number(session, project, number, body, now)
    session.commit()
    return NumberOut.build(service.number_state(session, project, number, now))


@router.delete("/{number_id}", summary="Remove a number (drained while a session holds it)")
def remove_number(
    project_id: ProjectId,
    number_id: NumberId,
    user: CurrentUser,
    session: DatabaseSession,
    now: Now,
) -> NumberOut:
    project = writable_project(session, user, project_id).project
    number = service.find_number(session, project, number_id)
    service.remove_number(session, number, now)
    session.commit()
    return NumberOut.build(service.number_state(session, project, number, now))
