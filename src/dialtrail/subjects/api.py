"""``/api/v1/projects/{id}/data-subjects/export|erase`` and ``/erasures`` (owners): answering
a data subject's access and erasure requests (docs/privacy.md). POST for both, so the
subject's identifier travels in the body and never lands in an access log's URL."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from dialtrail.api.database import DatabaseSession, Now
from dialtrail.api.schemas import ProjectId
from dialtrail.projects.access import owned_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.subjects import erasure, export
from dialtrail.subjects.models import Erasure
from dialtrail.subjects.schemas import ErasureList, ErasureOut, SubjectSelector
from dialtrail.subjects.selectors import Selector

router = APIRouter(prefix="/projects/{project_id}", tags=["data subjects"])


@router.post("/data-subjects/export", summary="Export a data subject's data as JSON (owners)")
def export_subject(
    project_id: ProjectId,
    body: SubjectSelector,
    user: CurrentUser,
    session: DatabaseSession,
    now: Now,
) -> dict[str, Any]:
    project = owned_project(session, user, project_id).project
    return export.export(session, project, Selector(body.kind, body.value), now)


@router.post("/data-subjects/erase", summary="Erase a data subject's data (owners)")
def erase_subject(
    project_id: ProjectId,
    body: SubjectSelector,
    user: CurrentUser,
    session: DatabaseSession,
    now: Now,
) -> ErasureOut:
    project = owned_project(session, user, project_id).project
    entry = erasure.erase(session, project, Selector(body.kind, body.value), f"user:{user.id}", now)
    session.commit()
    return ErasureOut.build(entry)


@router.get("/erasures", summary="The erasure log, newest first (owners)")
def list_erasures(
    project_id: ProjectId, user: CurrentUser, session: DatabaseSession
) -> ErasureList:
    project = owned_project(session, user, project_id).project
    query = select(Erasure).where(Erasure.project_id == project.id).order_by(Erasure.id.desc())
    return ErasureList(items=[ErasureOut.build(item) for item in session.scalars(query)])
