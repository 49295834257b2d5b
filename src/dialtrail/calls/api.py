"""``/api/v1/projects/{id}/calls``, ``/calls.csv`` and ``/calls/{call_id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import invalid_field, not_found
from dialtrail.api.schemas import MAX_ID, ProjectId, id_parameter
from dialtrail.calls import export, queries
from dialtrail.calls.filters import CallParameters, call_parameters, check_parameters
from dialtrail.calls.models import Call
from dialtrail.calls.schemas import CallDetail, CallEventOut, CallList, VisitTrail, call_out
from dialtrail.projects.access import readable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.sessions import queries as session_queries
from dialtrail.sessions.api import observation_out, page_view_out

router = APIRouter(prefix="/projects/{project_id}", tags=["calls"])

Parameters = Annotated[CallParameters, Depends(call_parameters)]
CallId = Annotated[int, id_parameter("The call's id.")]


@router.get("/calls", summary="List calls, most recent first")
def list_calls(
    project_id: ProjectId,
    user: CurrentUser,
    db: DatabaseSession,
    parameters: Parameters,
    cursor: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="The `next_cursor` of the last page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CallList:
    project = readable_project(db, user, project_id).project
    filters = check_parameters(parameters, project.country)
    after = None
    if cursor is not None:
        after = queries.position_of(db, project.id, cursor)
        if after is None:
            raise invalid_field("cursor", f"call {cursor} is not in this project")
    rows = queries.find_calls(db, project.id, filters, after, limit)
    keys = queries.session_keys(db, [row.call for row in rows])
    items = [call_out(row.call, row.session_key, row.visitor_key, keys) for row in rows]
    next_cursor = rows[-1].call.id if len(rows) == limit else None
    return CallList(items=items, next_cursor=next_cursor)


@router.get(
    "/calls.csv",
    summary="Export calls as CSV (same filters as the list)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM"}},
)
def export_calls(
    project_id: ProjectId,
    user: CurrentUser,
    db: DatabaseSession,
    parameters: Parameters,
    request: Request,
) -> StreamingResponse:
    project = readable_project(db, user, project_id).project
    filters = check_parameters(parameters, project.country)
    columns = export.columns(db, project.id, filters)
    # Rows are read in their own short transactions while streaming; end this one now.
    db.commit()
    factory = request.app.state.session_factory
    day = request.app.state.clock().strftime("%Y-%m-%d")
    return StreamingResponse(
        export.stream(factory, project.id, filters, columns),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="calls-{project.id}-{day}.csv"',
        },
    )


@router.get("/calls/{call_id}", summary="Show a call with its visit trail")
def show_call(
    project_id: ProjectId, call_id: CallId, user: CurrentUser, db: DatabaseSession
) -> CallDetail:
    project = readable_project(db, user, project_id).project
    row = queries.find_call(db, project.id, call_id)
    if row is None:
        raise not_found(f"call {call_id}")
    keys = queries.session_keys(db, [row.call])
    base = call_out(row.call, row.session_key, row.visitor_key, keys)
    events = [CallEventOut.of(event) for event in queries.events(db, row.call.id)]
    return CallDetail(**dict(base), events=events, trail=trail(db, row.call))


def trail(db: Session, call: Call) -> VisitTrail:
    """The visit as it was when the phone rang: nothing the visitor did after the call."""
    if call.session_id is None:
        return VisitTrail(page_views=[], entity_history=[])
    views = session_queries.page_views(db, call.session_id, until=call.started_at)
    observations = session_queries.history(db, call.session_id, until=call.started_at)
    by_id = {view.id: view for view in views}
    return VisitTrail(
        page_views=[page_view_out(view, observations) for view in views],
        entity_history=[observation_out(item, by_id) for item in observations],
    )
