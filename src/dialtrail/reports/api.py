"""``/api/v1/projects/{id}/reports/calls`` and ``/reports/calls.csv``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dialtrail.api.database import DatabaseSession
from dialtrail.api.schemas import ProjectId
from dialtrail.collector.deriver import caught_up
from dialtrail.projects.access import readable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.reports import report
from dialtrail.reports.parameters import Parameters, check_request
from dialtrail.reports.schemas import ReportOut, csv_table, report_out

router = APIRouter(prefix="/projects/{project_id}/reports", tags=["reports"])


@router.get("/calls", summary="Calls per period and group, with the previous period")
def calls_report(
    project_id: ProjectId,
    user: CurrentUser,
    db: DatabaseSession,
    parameters: Parameters,
    request: Request,
) -> ReportOut:
    project = readable_project(db, user, project_id).project
    caught_up(db)  # sessions are derived from the collector's journal
    checked = check_request(parameters, project, request.app.state.clock())
    return report_out(report.build(db, checked))


@router.get(
    "/calls.csv",
    summary="The report's group table as CSV (same parameters)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM"}},
)
def calls_report_csv(
    project_id: ProjectId,
    user: CurrentUser,
    db: DatabaseSession,
    parameters: Parameters,
    request: Request,
) -> Response:
    project = readable_project(db, user, project_id).project
    caught_up(db)  # sessions are derived from the collector's journal
    checked = check_request(parameters, project, request.app.state.clock())
    period = checked.period
    name = f"report-{project.id}-{checked.grouping.name}-{period.first_day}-{period.last_day}.csv"
    return Response(
        csv_table(report.build(db, checked)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
