"""The per-day rollups a report reads instead of the raw rows (ARCHITECTURE.md, "Reports").

Before a report without filters is read, ``refresh`` brings the rollups of its grouping (and of
no grouping, for the totals) up to date for its periods, in the reader's transaction:

1. rollups made in another time zone than the project's are dropped (the zone changed);
2. the changed days marked since the last refresh (sessions/changed_days.py: new sessions, pruned
   sessions, any change to a call) drop the local days they overlap, and the marks read go;
3. each local day of the periods without a rolled row is summed from the raw rows, contiguous
   days in one statement per table (reports/queries.py's row selections, so the rollup counts
   exactly what the raw report counts).

Sessions are summed per day and group; calls per day, group and caller, so that unique callers
(which do not add up across days) are a count of distinct callers over a few narrow rows, and
from those per day and group (reports/rolled.py reads them).
On PostgreSQL a transaction-level advisory lock per project keeps two readers from summing the
same day twice; SQLite's write lock does the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from dialtrail.calls.filters import CallFilters
from dialtrail.projects.models import Project
from dialtrail.reports import queries
from dialtrail.reports.groupings import Grouping
from dialtrail.reports.models import CallDay, CallSum, RolledDay, SessionDay
from dialtrail.reports.periods import Period, Span, last_days, spans
from dialtrail.reports.queries import count_where
from dialtrail.sessions.models import ChangedDay

# Any fixed 32-bit number: with the project's id, the advisory lock a refresh holds (PostgreSQL).
REFRESH_LOCK = 74_681_019
LOCK = text("SELECT pg_advisory_xact_lock(CAST(:lock AS integer), CAST(:project AS integer))")
CHUNK = 500  # days or mark ids per statement


def usable(filters: CallFilters) -> bool:
    """The rollups have no filters: a report filtered like the calls journal reads raw rows."""
    return filters == CallFilters()


def dimension(grouping: Grouping | None) -> str:
    return grouping.name if grouping else ""


def refresh(
    db: Session,
    project_id: int,
    timezone: str,
    groupings: Iterable[Grouping | None],
    periods: Iterable[Period],
) -> None:
    """Makes the rollups of ``groupings`` exact for every day of ``periods`` (not committed)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(LOCK, {"lock": REFRESH_LOCK, "project": project_id})
    zone = ZoneInfo(timezone)
    drop_other_zones(db, project_id, timezone)
    drop_changed_days(db, project_id, zone)
    for grouping in groupings:
        for period in periods:
            for first, last in runs(missing_days(db, project_id, dimension(grouping), period)):
                roll(db, project_id, zone, grouping, Period(first, last))


def consume_marks(db: Session) -> int:
    """Every project's marks of changed days, applied (their rolled-up days dropped, to be
    summed again by the next report that needs them) and deleted: ``dialtrail prune`` runs it,
    so a project nobody reports on does not gather marks without end. Answers how many
    projects had marks (not committed)."""
    marked = db.execute(
        select(Project.id, Project.timezone)
        .where(Project.id.in_(select(ChangedDay.project_id).distinct()))
        .order_by(Project.id)
    ).all()
    for project_id, timezone in marked:
        forget_changed_days(db, project_id, timezone)
    return len(marked)


def forget_changed_days(db: Session, project_id: int, timezone: str) -> None:
    """The project's marked days dropped from its rollups now, rather than by the next report
    that reads them: prune's marks, and an erasure's, which must leave no caller or value of
    the subject in a rollup (subjects/erasure.py); rollups of a former time zone too, whose
    days the marks would not find. Not committed."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(LOCK, {"lock": REFRESH_LOCK, "project": project_id})
    drop_other_zones(db, project_id, timezone)
    drop_changed_days(db, project_id, ZoneInfo(timezone))


def warm(db: Session, now: datetime) -> int:
    """Rolls up what the admin shows first (the Reports page's and the dashboard's last 30
    days by channel, and the 30 before) for every project, so that after an upgrade the first
    visitor does not wait for those days to be summed from the raw rows; each is committed.
    A year, or another grouping, is still summed by the first report that asks (a few
    seconds per dimension and year at the benchmark's volume: too long for every project at
    every ``dialtrail migrate`` or ``prune``). Answers how many projects were warmed."""
    projects = db.execute(select(Project.id, Project.timezone).order_by(Project.id)).all()
    for project_id, timezone in projects:
        recent = last_days(now.astimezone(ZoneInfo(timezone)).date(), WARM_DAYS)
        refresh(db, project_id, timezone, [WARM_GROUPING, None], [recent, recent.previous()])
        db.commit()
    return len(projects)


WARM_DAYS = 30
WARM_GROUPING = Grouping("channel")


def drop_other_zones(db: Session, project_id: int, timezone: str) -> None:
    other = select(RolledDay.day).where(
        RolledDay.project_id == project_id, RolledDay.timezone != timezone
    )
    if db.scalar(other.limit(1)) is not None:
        for model in (RolledDay, SessionDay, CallDay, CallSum):
            db.execute(delete(model).where(model.project_id == project_id))


def drop_changed_days(db: Session, project_id: int, zone: ZoneInfo) -> None:
    marks = db.execute(
        select(ChangedDay.id, ChangedDay.day).where(ChangedDay.project_id == project_id)
    ).all()
    if not marks:
        return
    days = sorted({local for _, day in marks for local in local_days(day, zone)})
    # The dimensions named, so that each delete is a few ranges of the (project, dimension,
    # day) indexes rather than a walk of every row of the project.
    names = list(
        db.scalars(select(RolledDay.dimension).distinct().where(RolledDay.project_id == project_id))
    )
    for chunk in chunked(days):
        for model in (RolledDay, SessionDay, CallDay, CallSum):
            rolled = and_(model.dimension.in_(names), model.day.in_(chunk))
            db.execute(delete(model).where(model.project_id == project_id, rolled))
    for ids in chunked([id for id, _ in marks]):
        db.execute(delete(ChangedDay).where(ChangedDay.id.in_(ids)))


def local_days(utc_day: date, zone: ZoneInfo) -> list[date]:
    """The local days (one or two) a UTC day overlaps."""
    start = datetime.combine(utc_day, time(), tzinfo=UTC)
    first = start.astimezone(zone).date()
    last = (start + timedelta(days=1, microseconds=-1)).astimezone(zone).date()
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def chunked(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def missing_days(db: Session, project_id: int, name: str, period: Period) -> list[date]:
    rolled = set(
        db.scalars(
            select(RolledDay.day).where(
                RolledDay.project_id == project_id,
                RolledDay.dimension == name,
                RolledDay.day.between(period.first_day, period.last_day),
            )
        )
    )
    every = (period.first_day + timedelta(days=offset) for offset in range(period.days))
    return [day for day in every if day not in rolled]


def runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as (first, last) runs of consecutive days."""
    found: list[tuple[date, date]] = []
    for day in days:
        if found and found[-1][1] + timedelta(days=1) == day:
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found


def roll(
    db: Session, project_id: int, zone: ZoneInfo, grouping: Grouping | None, period: Period
) -> None:
    """Sums the period's days from the raw rows, and records them as rolled."""
    dialect = db.get_bind().dialect.name
    days = spans(period, "day", zone)
    name = dimension(grouping)
    if grouping is None or grouping.counts_sessions:
        db.execute(roll_sessions(dialect, project_id, name, days, grouping))
    db.execute(roll_calls(dialect, project_id, name, days, grouping))
    db.execute(roll_sums(project_id, name, period))
    rows = [
        {"project_id": project_id, "dimension": name, "day": span.first_day, "timezone": zone.key}
        for span in days
    ]
    db.execute(insert(RolledDay), rows)


def roll_sessions(
    dialect: str, project_id: int, name: str, days: list[Span], grouping: Grouping | None
) -> Any:
    counted = queries.session_counts_query(dialect, project_id, days, grouping).subquery()
    rows = select(
        literal(project_id, Integer),
        literal(name),
        day_of(dialect, days[0].first_day, counted.c.number),
        counted.c.group_key,
        counted.c.sessions,
    )
    columns = ["project_id", "dimension", "day", "group_key", "sessions"]
    return insert(SessionDay).from_select(columns, rows)


def roll_calls(
    dialect: str, project_id: int, name: str, days: list[Span], grouping: Grouping | None
) -> Any:
    """Per day, group and caller: the calls' sums (a caller is counted once per row)."""
    each = queries.each_call(dialect, project_id, CallFilters(), days, grouping)
    answered = each.c.disposition == "answered"
    rows = select(
        literal(project_id, Integer),
        literal(name),
        day_of(dialect, days[0].first_day, each.c.number),
        each.c.group_key,
        each.c.caller,
        func.count(),
        count_where(answered),
        count_where(and_(each.c.disposition.is_not(None), each.c.disposition != "answered")),
        count_where(each.c.is_first_call.is_(True)),
        func.coalesce(func.sum(each.c.wait_seconds), 0),
        func.count(each.c.wait_seconds),
        func.coalesce(func.sum(case((answered, each.c.talk_seconds))), 0),
        func.count(case((answered, each.c.talk_seconds))),
    ).group_by(each.c.number, each.c.group_key, each.c.caller)
    return insert(CallDay).from_select(CALL_DAY_COLUMNS, rows)


def roll_sums(project_id: int, name: str, period: Period) -> Any:
    """The period's rows per caller, just rolled, summed per day and group (a row per caller:
    the callers are the rows with one)."""
    keys = (CallDay.project_id, CallDay.dimension, CallDay.day, CallDay.group_key)
    summed = [func.sum(getattr(CallDay, column)) for column in CALL_DAY_COLUMNS[5:]]
    callers = func.count(CallDay.caller)
    rows = (
        select(*keys, *summed[:4], callers, *summed[4:])
        .where(CallDay.project_id == project_id, CallDay.dimension == name)
        .where(CallDay.day.between(period.first_day, period.last_day))
        .group_by(*keys)
    )
    return insert(CallSum).from_select(CALL_SUM_COLUMNS, rows)


CALL_SUM_COLUMNS = [
    "project_id", "dimension", "day", "group_key", "calls", "answered", "missed",
    "first_time_callers", "callers", "wait_seconds", "waits", "talk_seconds", "talks",
]  # fmt: skip
CALL_DAY_COLUMNS = [
    "project_id", "dimension", "day", "group_key", "caller", "calls", "answered", "missed",
    "first_time_callers", "wait_seconds", "waits", "talk_seconds", "talks",
]  # fmt: skip


def day_of(dialect: str, first_day: date, number: Any) -> Any:
    """The local day of span ``number`` (the spans are the run's days, in order), as each
    database stores a Date."""
    if dialect == "postgresql":
        return bindparam("first_day", first_day, type_=Date) + number
    offset = func.printf("+%d days", number)
    return func.date(bindparam("first_day", first_day.isoformat()), offset)
