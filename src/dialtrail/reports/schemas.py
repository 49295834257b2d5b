"""Response body of the reports API, and the CSV of its group table."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date, datetime

from pydantic import BaseModel, Field

from dialtrail.calls.export import BYTE_ORDER_MARK, cell, csv_text, spreadsheet_safe
from dialtrail.reports.figures import Figures
from dialtrail.reports.report import GroupRow, IntervalRow, Report


class FiguresOut(BaseModel):
    calls: int
    answered: int
    missed: int = Field(description="Ended without an answer (no answer, busy, failed, voicemail).")
    first_time_callers: int = Field(description="Calls that were their caller's first.")
    unique_callers: int = Field(description="Different caller numbers (withheld ones not counted).")
    average_wait_seconds: float | None = Field(description="Over calls with a wait time.")
    average_talk_seconds: float | None = Field(description="Over answered calls.")
    sessions: int | None = Field(
        description="Visits started in the span (per group only for a visit's dimension)."
    )
    calls_per_100_sessions: float | None


class GroupOut(BaseModel):
    key: str | None = Field(description="The group's value; null: calls without one.")
    figures: FiguresOut
    previous: FiguresOut | None = Field(description="The previous period's, with `compare`.")
    calls_filter: dict[str, str] | None = Field(
        description="The calls API's (and journal's) parameters that list this group's calls."
    )


class IntervalGroupOut(BaseModel):
    key: str | None
    figures: FiguresOut


class IntervalOut(BaseModel):
    first_day: date
    start: datetime = Field(description="Its first moment, in UTC.")
    end: datetime = Field(description="The first moment after it, in UTC.")
    total: FiguresOut
    groups: list[IntervalGroupOut]


class PeriodOut(BaseModel):
    from_day: date = Field(serialization_alias="from")
    to_day: date = Field(serialization_alias="to")


class ReportOut(BaseModel):
    timezone: str
    period: PeriodOut
    previous_period: PeriodOut | None
    interval: str
    group_by: str
    totals: FiguresOut
    previous_totals: FiguresOut | None
    groups: list[GroupOut]
    intervals: list[IntervalOut]


def figures_out(figures: Figures | None) -> FiguresOut | None:
    return FiguresOut(**asdict(figures)) if figures is not None else None


def report_out(report: Report) -> ReportOut:
    request = report.request
    previous = report.previous_period
    return ReportOut(
        timezone=request.timezone,
        period=PeriodOut(from_day=request.period.first_day, to_day=request.period.last_day),
        previous_period=PeriodOut(from_day=previous.first_day, to_day=previous.last_day)
        if previous
        else None,
        interval=request.interval,
        group_by=request.grouping.name,
        totals=FiguresOut(**asdict(report.totals)),
        previous_totals=figures_out(report.previous_totals),
        groups=[group_out(report, row) for row in report.groups],
        intervals=[interval_out(row) for row in report.intervals],
    )


def group_out(report: Report, row: GroupRow) -> GroupOut:
    return GroupOut(
        key=row.key,
        figures=FiguresOut(**asdict(row.figures)),
        previous=figures_out(row.previous),
        calls_filter=report.request.grouping.journal_filter(row.key),
    )


def interval_out(row: IntervalRow) -> IntervalOut:
    return IntervalOut(
        first_day=row.span.first_day,
        start=row.span.start,
        end=row.span.end,
        total=FiguresOut(**asdict(row.total)),
        groups=[
            IntervalGroupOut(key=key, figures=FiguresOut(**asdict(figures)))
            for key, figures in row.groups
        ],
    )


FIGURE_NAMES = [field.name for field in fields(Figures)]


def csv_table(report: Report) -> str:
    """The group table: one row per group, its figures and, with ``compare``, the previous
    period's as ``previous_*`` columns; cells made safe for spreadsheets, as the calls CSV's."""
    compare = report.previous_period is not None
    header = [report.request.grouping.name, *FIGURE_NAMES]
    if compare:
        header += [f"previous_{name}" for name in FIGURE_NAMES]
    rows = [header]
    for group in report.groups:
        row = [
            spreadsheet_safe(cell(group.key)),
            *(cell(getattr(group.figures, name)) for name in FIGURE_NAMES),
        ]
        if compare and group.previous is not None:
            row += [cell(getattr(group.previous, name)) for name in FIGURE_NAMES]
        rows.append(row)
    return BYTE_ORDER_MARK + csv_text(rows)
