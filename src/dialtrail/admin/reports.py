"""The Reports page and the dashboard (the first page after sign-in).

Both read reports.report, the module behind the reports API, so the page and the API show the
same figures. The chart is report_chart.py's SVG; every group links to the calls journal
filtered to the group's calls over the report's days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field, ValidationError

from dialtrail.admin.auth import ReadableProject, SignedIn
from dialtrail.admin.forms import FormErrors, form_errors
from dialtrail.admin.rendering import finish, render
from dialtrail.admin.report_chart import group_label, stacked_chart
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError
from dialtrail.api.schemas import RequestBody
from dialtrail.calls.filters import CallFilters, CallParameters
from dialtrail.collector.deriver import caught_up
from dialtrail.entities import service as entities
from dialtrail.projects.models import Project
from dialtrail.reports import report as reports
from dialtrail.reports.figures import change
from dialtrail.reports.groupings import ENTITY_PREFIX, GROUPINGS, LABELS, Grouping
from dialtrail.reports.parameters import LAST_DAY, ReportParameters, check_request
from dialtrail.reports.periods import INTERVALS, Period
from dialtrail.reports.queries import has_activity
from dialtrail.reports.report import Report, ReportRequest
from dialtrail.reports.schemas import csv_table

router = APIRouter(prefix="/projects/{project_id}")

FIELDS = ("from", "to", "interval", "group_by")
NO_FILTERS = CallParameters(None, None, [], [], None, None, None, None, None, None)
TOP_CHANNELS = 5


class ReportSearch(RequestBody):
    from_day: date | None = Field(None, alias="from", le=LAST_DAY)
    to_day: date | None = Field(None, alias="to", le=LAST_DAY)
    interval: str = Field("day", max_length=10)
    group_by: str = Field("channel", max_length=80)

    def parameters(self) -> ReportParameters:
        # The page always compares: the table shows each group's change.
        return ReportParameters(
            self.from_day, self.to_day, self.interval, self.group_by, True, NO_FILTERS
        )


def searched(request: Request) -> dict[str, str]:
    given = {name: request.query_params.get(name, "") for name in FIELDS}
    return {name: value for name, value in given.items() if value != ""}


def checked(
    request: Request, project: Project, given: dict[str, str]
) -> ReportRequest | FormErrors:
    try:
        search = ReportSearch.model_validate(given)
        return check_request(search.parameters(), project, request.app.state.clock())
    except (ValidationError, ApiError) as error:
        return form_errors(error, FIELDS)


@router.get("/reports")
def report_page(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    caught_up(db)  # sessions are derived from the collector's journal
    project = access.project
    given = searched(request)
    outcome = checked(request, project, given)
    errors = outcome if isinstance(outcome, FormErrors) else FormErrors()
    shown = reports.build(db, outcome) if isinstance(outcome, ReportRequest) else None
    return render(
        request,
        "reports/page.html",
        422 if errors else 200,
        admin=admin,
        project=project,
        section="reports",
        search=search_values(given, shown),
        errors=errors,
        report=shown,
        chart=stacked_chart(shown) if shown else None,
        rows=group_rows(project, shown) if shown else [],
        groupings=grouping_choices(db, project),
        intervals=INTERVALS,
        export_query=urlencode(given),
        active=has_activity(db, project.id),
        change=change,
    )


def search_values(given: dict[str, str], shown: Report | None) -> dict[str, str]:
    """The form shows the days the report covers (the defaults filled in)."""
    values = {name: given.get(name, "") for name in FIELDS}
    if shown is not None:
        values["from"] = shown.request.period.first_day.isoformat()
        values["to"] = shown.request.period.last_day.isoformat()
        values["interval"] = shown.request.interval
        values["group_by"] = shown.request.grouping.name
    return values


def grouping_choices(db: DatabaseSession, project: Project) -> list[tuple[str, str]]:
    choices = [(name, LABELS[name]) for name in GROUPINGS]
    names = [entity.name for entity in entities.list_entities(db, project)]
    return choices + [(ENTITY_PREFIX + name, f"Entity {name}") for name in names]


def group_rows(project: Project, shown: Report) -> list[dict[str, Any]]:
    period = shown.request.period
    days = {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
    found = []
    for row in shown.groups:
        calls_filter = shown.request.grouping.journal_filter(row.key)
        previous = row.previous
        found.append(
            {
                "label": group_label(row.key),
                "figures": row.figures,
                "previous": previous,
                "calls_change": change(row.figures.calls, previous.calls if previous else None),
                "journal": journal_url(project, days, calls_filter) if calls_filter else None,
            }
        )
    return found


def journal_url(project: Project, days: dict[str, str], calls_filter: dict[str, str]) -> str:
    return f"/admin/projects/{project.id}/calls?{urlencode({**days, **calls_filter})}"


@router.get("/reports.csv")
def report_csv(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    caught_up(db)  # sessions are derived from the collector's journal
    project = access.project
    outcome = checked(request, project, searched(request))
    if isinstance(outcome, FormErrors):
        return report_page(request, admin, access, db)
    period = outcome.period
    name = f"report-{project.id}-{outcome.grouping.name}-{period.first_day}-{period.last_day}.csv"
    response = Response(
        csv_table(reports.build(db, outcome)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
    return finish(request, response)


@router.get("/dashboard")
def dashboard(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    caught_up(db)  # sessions are derived from the collector's journal
    project = access.project
    today = local_today(project, request.app.state.clock())
    monday = today - timedelta(days=today.weekday())
    day = build(db, project, Period(today, today), compare=True)
    week = build(db, project, Period(monday, today), compare=False)
    same_days = Period(monday - timedelta(days=7), today - timedelta(days=7))
    last_week = build(db, project, same_days, compare=False)
    month = build(db, project, Period(today - timedelta(days=29), today), compare=False)
    return render(
        request,
        "reports/dashboard.html",
        admin=admin,
        project=project,
        section="dashboard",
        today=day,
        week=week,
        last_week=last_week,
        month=month,
        top_channels=month.groups[:TOP_CHANNELS],
        top_total=max((row.figures.calls for row in month.groups), default=0),
        active=has_activity(db, project.id),
        change=change,
        reports_url=f"/admin/projects/{project.id}/reports",
        journal_today=journal_url(
            project, {"from": today.isoformat(), "to": today.isoformat()}, {}
        ),
    )


def local_today(project: Project, now: datetime) -> date:
    return now.astimezone(ZoneInfo(project.timezone)).date()


def build(db: DatabaseSession, project: Project, period: Period, *, compare: bool) -> Report:
    request = ReportRequest(
        project_id=project.id,
        timezone=project.timezone,
        period=period,
        interval="day",
        grouping=Grouping("channel"),
        filters=CallFilters(),
        compare=compare,
    )
    return reports.build(db, request)
