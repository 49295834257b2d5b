"""A report's query parameters, checked into a ReportRequest; every refusal a 422 naming the
parameter. The API and the admin's Reports page both go through ``check_request``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query

from dialtrail.api.errors import invalid_field
from dialtrail.calls.filters import CallParameters, check_parameters, filter_parameters
from dialtrail.entities.rules import check_name
from dialtrail.projects.models import Project
from dialtrail.reports.groupings import Grouping, check_grouping
from dialtrail.reports.periods import (
    INTERVALS,
    MAX_INTERVALS,
    Interval,
    Period,
    count_intervals,
)
from dialtrail.reports.report import ReportRequest

DEFAULT_DAYS = 30
# Bounded so that a day's midnight in any zone, and the previous period, are valid datetimes.
FIRST_DAY = date(1971, 1, 1)
LAST_DAY = date(9998, 12, 31)


@dataclass(frozen=True)
class ReportParameters:
    first_day: date | None
    last_day: date | None
    interval: str
    group_by: str
    compare: bool
    filters: CallParameters


def report_parameters(
    first_day: Annotated[
        date | None,
        Query(
            alias="from",
            description="The first day (YYYY-MM-DD, the project's time zone). Default: 29 days "
            "before `to`.",
        ),
    ] = None,
    last_day: Annotated[
        date | None,
        Query(alias="to", description="The last day, included. Default: today."),
    ] = None,
    interval: Annotated[str, Query(description="`day`, `week` (from Monday) or `month`.")] = "day",
    group_by: Annotated[
        str,
        Query(
            description="`channel`, `source`, `medium`, `campaign`, `landing_page`, "
            "`tracking_number`, `attribution`, `disposition`, or `entity.<name>`."
        ),
    ] = "channel",
    compare: Annotated[
        bool, Query(description="Add the previous period of the same length.")
    ] = False,
    *,
    filters: Annotated[CallParameters, Depends(filter_parameters)],
) -> ReportParameters:
    return ReportParameters(first_day, last_day, interval, group_by, compare, filters)


def check_request(parameters: ReportParameters, project: Project, now: datetime) -> ReportRequest:
    """Raises a 422 naming the first parameter at fault."""
    period = checked_period(parameters, now.astimezone(ZoneInfo(project.timezone)).date())
    interval = checked_interval(parameters.interval, period)
    return ReportRequest(
        project_id=project.id,
        timezone=project.timezone,
        period=period,
        interval=interval,
        grouping=checked_grouping(parameters.group_by),
        filters=check_parameters(parameters.filters, project.country),
        compare=parameters.compare,
    )


def checked_period(parameters: ReportParameters, today: date) -> Period:
    last = parameters.last_day or (
        max(today, parameters.first_day) if parameters.first_day else today
    )
    first = parameters.first_day or last - timedelta(days=DEFAULT_DAYS - 1)
    for name, day in (("from", first), ("to", last)):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise invalid_field(name, f"must be between {FIRST_DAY} and {LAST_DAY}")
    if last < first:
        raise invalid_field("to", "must be the day of `from` or later")
    if first - timedelta(days=(last - first).days + 1) < FIRST_DAY:
        raise invalid_field("from", f"its previous period must start on {FIRST_DAY} or later")
    return Period(first, last)


def checked_interval(name: str, period: Period) -> Interval:
    for interval in INTERVALS:
        if name == interval:
            if count_intervals(period, interval) > MAX_INTERVALS:
                raise invalid_field(
                    "interval", f"{MAX_INTERVALS} {interval}s at most; choose a longer interval"
                )
            return interval
    raise invalid_field("interval", f"must be one of {', '.join(INTERVALS)}")


def checked_grouping(name: str) -> Grouping:
    grouping = check_grouping(name)
    if isinstance(grouping, str):
        raise invalid_field("group_by", grouping)
    if grouping.entity is not None:
        try:
            check_name(grouping.entity)
        except ValueError as error:
            raise invalid_field("group_by", str(error)) from None
    return grouping


Parameters = Annotated[ReportParameters, Depends(report_parameters)]
