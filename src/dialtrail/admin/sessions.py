"""Call tracking → Sessions: recent sessions with the API's filters, and one session's detail.

The list and the detail are built by the sessions API's own functions, so both show the same
values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field, ValidationError

from dialtrail.admin.auth import ReadableProject, SignedIn
from dialtrail.admin.forms import FormErrors, form_errors
from dialtrail.admin.rendering import render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError, not_found
from dialtrail.api.schemas import MAX_ID, RequestBody
from dialtrail.collector.deriver import caught_up
from dialtrail.entities import service as entities
from dialtrail.sessions import queries
from dialtrail.sessions.api import detail, summary
from dialtrail.sessions.models import CLIENT_ID_LENGTH
from dialtrail.sessions.visit import LANDING_PARAMETERS

router = APIRouter(prefix="/projects/{project_id}/sessions")

PAGE_SIZE = 50
FILTERS = ("visitor", "ga_client_id", "entity", "value", "since", "until", "cursor")


class SessionSearch(RequestBody):
    """The filters of GET /api/v1/projects/{id}/sessions, as the list page's form sends them."""

    visitor: str | None = Field(None, max_length=CLIENT_ID_LENGTH)
    ga_client_id: str | None = Field(None, max_length=64)
    entity: str | None = Field(None, max_length=64)
    value: str | None = Field(None, max_length=1000)
    since: datetime | None = None
    until: datetime | None = None
    cursor: int | None = Field(None, ge=1, le=MAX_ID)

    def filters(self) -> queries.SessionFilters:
        return queries.SessionFilters(
            self.visitor,
            self.ga_client_id,
            self.entity,
            self.value,
            as_utc(self.since),
            as_utc(self.until),
            self.cursor,
            PAGE_SIZE,
        )


def as_utc(moment: datetime | None) -> datetime | None:
    # The form's datetime-local fields carry no zone; the page says they are UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def searched(request: Request) -> dict[str, str]:
    given = {name: request.query_params.get(name, "") for name in FILTERS}
    return {name: value for name, value in given.items() if value != ""}


@router.get("")
def session_list(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    caught_up(db)  # visits are derived from the collector's journal: the newest too
    given = searched(request)
    errors, items, next_cursor = FormErrors(), list[Any](), None
    try:
        filters = SessionSearch.model_validate(given).filters()
        queries.check_filters(filters)
    except (ValidationError, ApiError) as error:
        errors = form_errors(error, FILTERS)
    else:
        items, next_cursor = find(db, access.project.id, filters)
    return render(
        request,
        "sessions/list.html",
        422 if errors else 200,
        admin=admin,
        project=access.project,
        section="sessions",
        search={name: given.get(name, "") for name in FILTERS},
        errors=errors,
        items=items,
        older_query=older_query(given, next_cursor),
        entity_names=[entity.name for entity in entities.list_entities(db, access.project)],
    )


def older_query(given: dict[str, str], next_cursor: int | None) -> str:
    if next_cursor is None:
        return ""
    return urlencode({**given, "cursor": str(next_cursor)})


def find(
    db: DatabaseSession, project_id: int, filters: queries.SessionFilters
) -> tuple[list[Any], int | None]:
    rows = queries.find_sessions(db, project_id, filters)
    values = queries.current_values(db, [session.id for session, _ in rows])
    items = [summary(session, visitor, values[session.id]) for session, visitor in rows]
    next_cursor = rows[-1][0].id if len(rows) == filters.limit else None
    return items, next_cursor


@router.get("/{session_key}")
def session_detail(
    request: Request,
    admin: SignedIn,
    access: ReadableProject,
    session_key: str,
    db: DatabaseSession,
) -> Response:
    # PostgreSQL cannot compare text holding NUL; no stored key is longer than the limit.
    if "\x00" in session_key or len(session_key) > CLIENT_ID_LENGTH:
        raise not_found("session")
    caught_up(db)
    found = queries.find_session(db, access.project.id, session_key)
    if found is None:
        raise not_found("session")
    session, visitor_key = found
    shown = detail(db, session, visitor_key, queries.page_views(db, session.id))
    return render(
        request,
        "sessions/detail.html",
        admin=admin,
        project=access.project,
        section="sessions",
        session=shown,
        landing_parameters=LANDING_PARAMETERS,
    )
