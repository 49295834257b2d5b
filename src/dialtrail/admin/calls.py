"""Calls journal: the calls with the API's filters and paging, a CSV export of the same calls,
and one call's page (its snapshots, the visit trail up to the call, candidates and events).

The filters go through calls.filters.check_parameters, the rows through calls.queries and the
call JSON (call_out), the export through calls.export: the page, the API and the spreadsheet
agree on every call.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import Field, ValidationError

from dialtrail.admin.auth import ReadableProject, SignedIn
from dialtrail.admin.forms import FormErrors, form_errors
from dialtrail.admin.rendering import finish, render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError, FieldProblem, invalid_field, not_found
from dialtrail.api.schemas import MAX_ID, RequestBody
from dialtrail.calls import export, queries
from dialtrail.calls.api import CallId, trail
from dialtrail.calls.filters import CallFilters, CallParameters, check_parameters
from dialtrail.calls.models import ATTRIBUTIONS, DISPOSITIONS
from dialtrail.calls.schemas import CallEventOut, CallOut, call_out
from dialtrail.entities import service as entities
from dialtrail.projects.models import Project
from dialtrail.sessions.channels import CHANNELS

router = APIRouter(prefix="/projects/{project_id}")

PAGE_SIZE = 50
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9998, 12, 31)
FILTERS = ("from", "to", "attribution", "disposition", "source", "entity", "value", "channel")
# Filters a report's group links to (admin/reports.py): kept while paging and shown as text.
GROUP_FILTERS = ("utm_campaign", "utm_medium", "landing_page", "tracking_number")
ALL_FILTERS = (*FILTERS, *GROUP_FILTERS)


class CallSearch(RequestBody):
    """The journal's filter form: whole days in the project's time zone, one attribution and
    one disposition (the API takes several; a select box gives one)."""

    # Bounded so that a day's midnight in any zone, and the day after, are valid datetimes.
    from_day: date | None = Field(None, alias="from", ge=FIRST_DAY, le=LAST_DAY)
    to_day: date | None = Field(None, alias="to", ge=FIRST_DAY, le=LAST_DAY)
    attribution: str | None = Field(None, max_length=20)
    disposition: str | None = Field(None, max_length=20)
    source: str | None = Field(None, max_length=255)
    entity: str | None = Field(None, max_length=64)
    value: str | None = Field(None, max_length=1000)
    channel: str | None = Field(None, max_length=32)
    utm_campaign: str | None = Field(None, max_length=255)
    utm_medium: str | None = Field(None, max_length=255)
    landing_page: str | None = Field(None, max_length=2000)
    tracking_number: str | None = Field(None, max_length=64)
    cursor: int | None = Field(None, ge=1, le=MAX_ID)

    def parameters(self, timezone: str) -> CallParameters:
        zone = ZoneInfo(timezone)
        return CallParameters(
            start=day_start(self.from_day, zone),
            # "To" names the last day shown: the calls before the next day's midnight.
            end=day_start(self.to_day + timedelta(days=1), zone) if self.to_day else None,
            attribution=[self.attribution] if self.attribution else [],
            disposition=[self.disposition] if self.disposition else [],
            utm_source=None,
            tracking_number=self.tracking_number,
            caller=None,
            entity=self.entity,
            value=self.value,
            session_id=None,
            source=self.source,
            channel=self.channel,
            utm_medium=self.utm_medium,
            utm_campaign=self.utm_campaign,
            landing_page=self.landing_page,
        )


def day_start(day: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=zone) if day else None


def searched(request: Request) -> dict[str, str]:
    given = {name: request.query_params.get(name, "") for name in (*ALL_FILTERS, "cursor")}
    return {name: value for name, value in given.items() if value != ""}


def checked_search(
    project: Project, given: dict[str, str]
) -> tuple[CallFilters, int | None] | FormErrors:
    try:
        search = CallSearch.model_validate(given)
        return check_parameters(search.parameters(project.timezone), project.country), search.cursor
    except (ValidationError, ApiError) as error:
        return in_the_forms_words(form_errors(error, (*ALL_FILTERS, "cursor")))


# The API names its parameters (`from`, `entity`); the journal's form has labels for them.
FORM_WORDS = {
    "must be later than `from`": "must be the From day or later",
    "give the entity's name in `entity` too": "choose the Entity this value belongs to",
}


def in_the_forms_words(errors: FormErrors) -> FormErrors:
    for name, problem in errors.fields.items():
        if problem.message in FORM_WORDS:
            errors.fields[name] = FieldProblem(name, FORM_WORDS[problem.message])
    return errors


@router.get("/calls")
def call_list(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    project = access.project
    given = searched(request)
    errors, items, next_cursor = listing(db, project, given)
    filters_only = {name: value for name, value in given.items() if name != "cursor"}
    return render(
        request,
        "calls/list.html",
        422 if errors else 200,
        admin=admin,
        project=project,
        section="calls",
        search={name: given.get(name, "") for name in ALL_FILTERS},
        group_filters=[(name, given[name]) for name in GROUP_FILTERS if name in given],
        channels=CHANNELS,
        errors=errors,
        items=items,
        entity_names=[entity.name for entity in entities.list_entities(db, project)],
        attributions=ATTRIBUTIONS,
        dispositions=DISPOSITIONS,
        older_query=urlencode({**filters_only, "cursor": next_cursor}) if next_cursor else "",
        export_query=urlencode(filters_only),
    )


def listing(
    db: DatabaseSession, project: Project, given: dict[str, str]
) -> tuple[FormErrors, list[CallOut], int | None]:
    checked = checked_search(project, given)
    if isinstance(checked, FormErrors):
        return checked, [], None
    try:
        return FormErrors(), *find(db, project.id, *checked)
    except ApiError as error:  # a cursor that is not a call of this project
        return form_errors(error, (*ALL_FILTERS, "cursor")), [], None


def find(
    db: DatabaseSession, project_id: int, filters: CallFilters, cursor: int | None
) -> tuple[list[CallOut], int | None]:
    after = None
    if cursor is not None:
        after = queries.position_of(db, project_id, cursor)
        if after is None:
            raise invalid_field("cursor", f"call {cursor} is not in this project")
    rows = queries.find_calls(db, project_id, filters, after, PAGE_SIZE)
    keys = queries.session_keys(db, [row.call for row in rows])
    items = [call_out(row.call, row.session_key, row.visitor_key, keys) for row in rows]
    return items, rows[-1].call.id if len(rows) == PAGE_SIZE else None


@router.get("/calls.csv")
def export_calls(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    project = access.project
    given = {name: value for name, value in searched(request).items() if name != "cursor"}
    checked = checked_search(project, given)
    if isinstance(checked, FormErrors):
        # The journal's link always carries checked filters; a hand-made bad one gets the page.
        return call_list(request, admin, access, db)
    filters, _ = checked
    columns = export.columns(db, project.id, filters)
    db.commit()  # rows are read in their own short transactions while streaming
    day = request.app.state.clock().strftime("%Y-%m-%d")
    response = StreamingResponse(
        export.stream(request.app.state.session_factory, project.id, filters, columns),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="calls-{project.id}-{day}.csv"'},
    )
    return finish(request, response)


@router.get("/calls/{call_id}")
def call_detail(
    request: Request,
    admin: SignedIn,
    access: ReadableProject,
    call_id: CallId,
    db: DatabaseSession,
) -> Response:
    row = queries.find_call(db, access.project.id, call_id)
    if row is None:
        raise not_found(f"call {call_id}")
    keys = queries.session_keys(db, [row.call])
    shown = call_out(row.call, row.session_key, row.visitor_key, keys)
    visit_trail = trail(db, row.call)
    return render(
        request,
        "calls/detail.html",
        admin=admin,
        project=access.project,
        section="calls",
        call=shown,
        events=[CallEventOut.of(event) for event in queries.events(db, row.call.id)],
        trail=visit_trail,
        page_urls={view.id: view.url for view in visit_trail.page_views},
        visit_fields=visit_fields(shown.visit),
    )


def visit_fields(visit: dict[str, Any]) -> list[tuple[str, Any]]:
    """The snapshot's fields in the export's order, then any others."""
    ordered = [name for name in export.VISIT_COLUMNS if name in visit]
    return [(name, visit[name]) for name in [*ordered, *sorted(set(visit) - set(ordered))]]
