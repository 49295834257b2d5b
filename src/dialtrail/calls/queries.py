"""Reading calls back: filtered lists with keyset paging, one call's events, snapshot keys.

Calls are listed by ``started_at`` (most recent first), not by id: events arrive late and out of
order, so ids do not follow the calls' times. The cursor is a call id; the page after it starts
below that call's (started_at, id), which is stable while new calls arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true, tuple_
from sqlalchemy.orm import Session, aliased

from dialtrail.calls.filters import CallFilters
from dialtrail.calls.models import Call, CallEvent
from dialtrail.sessions.models import Visitor, WebSession

AttributedSession = aliased(WebSession)
CallVisitor = aliased(Visitor)


@dataclass(frozen=True)
class Position:
    """Where a page ends: the last call's start and id."""

    started_at: datetime
    call_id: int


@dataclass(frozen=True)
class CallRow:
    call: Call
    session_key: str | None
    visitor_key: str | None


def find_calls(
    db: Session,
    project_id: int,
    filters: CallFilters,
    after: Position | None = None,
    limit: int = 50,
) -> list[CallRow]:
    query = (
        select(Call, AttributedSession.key, CallVisitor.key)
        .outerjoin(AttributedSession, AttributedSession.id == Call.session_id)
        .outerjoin(CallVisitor, CallVisitor.id == Call.visitor_id)
        .where(Call.project_id == project_id, *conditions(project_id, filters))
        .order_by(Call.started_at.desc(), Call.id.desc())
    )
    if after is not None:
        query = query.where(tuple_(Call.started_at, Call.id) < (after.started_at, after.call_id))
    rows = db.execute(query.limit(limit)).all()
    return [CallRow(call, session_key, visitor_key) for call, session_key, visitor_key in rows]


def conditions(project_id: int, filters: CallFilters) -> list[ColumnElement[bool]]:
    found = [
        *time_range(filters),
        *one_of(Call.attribution, filters.attributions),
        *one_of(Call.disposition, filters.dispositions),
        *equal(Call.tracking_number, filters.tracking_number),
        *equal(Call.caller, filters.caller),
        *equal(Call.visit["utm_source"].as_string(), filters.utm_source),
        *source(filters.source),
        *entity_value(filters),
    ]
    if filters.session_key is not None:
        found.append(Call.session_id.in_(session_ids(project_id, filters.session_key)))
    visit = visit_conditions(filters)
    if visit:
        found.append(Call.session_id.in_(select(WebSession.id).where(*visit)))
    return found


def visit_conditions(filters: CallFilters) -> list[ColumnElement[bool]]:
    """Filters on the attributed visit, read from its session: the columns the reports group
    by (a call's snapshot copies them, and calls from before channels existed lack one)."""
    return [
        *equal(WebSession.channel, filters.channel),
        *equal(WebSession.utm_medium, filters.utm_medium),
        *equal(WebSession.utm_campaign, filters.utm_campaign),
        *landing_page(filters.landing_page),
    ]


def landing_page(page: str | None) -> list[ColumnElement[bool]]:
    # The page without its query or fragment: the address a report groups landing pages by.
    if page is None:
        return []
    return [
        or_(
            WebSession.landing_page == page,
            WebSession.landing_page.startswith(page + "?", autoescape=True),
            WebSession.landing_page.startswith(page + "#", autoescape=True),
        )
    ]


def time_range(filters: CallFilters) -> list[ColumnElement[bool]]:
    found = []
    if filters.start is not None:
        found.append(Call.started_at >= filters.start)
    if filters.end is not None:
        found.append(Call.started_at < filters.end)
    return found


def one_of(column: Any, values: Sequence[str]) -> list[ColumnElement[bool]]:
    return [column.in_(values)] if values else []


def equal(column: Any, value: str | None) -> list[ColumnElement[bool]]:
    return [column == value] if value is not None else []


def source(value: str | None) -> list[ColumnElement[bool]]:
    # What the journal shows as a call's source: the visit's utm_source, or a static label.
    if value is None:
        return []
    return [or_(Call.visit["utm_source"].as_string() == value, Call.source_label == value)]


def entity_value(filters: CallFilters) -> list[ColumnElement[bool]]:
    # The snapshot taken at call start, not the session's value now: the CRM got this one.
    # SQLAlchemy renders the path as JSON_EXTRACT on SQLite and #>> on PostgreSQL.
    if filters.entity is None:
        return []
    snapshot_value = Call.entities[(filters.entity, "value")].as_string()
    if filters.value is None:
        return [snapshot_value.is_not(None)]
    return [snapshot_value == filters.value]


def session_ids(project_id: int, key: str) -> Select[int]:
    return select(WebSession.id).where(WebSession.project_id == project_id, WebSession.key == key)


def position_of(db: Session, project_id: int, call_id: int) -> Position | None:
    query = select(Call.started_at).where(Call.project_id == project_id, Call.id == call_id)
    started_at = db.scalar(query)
    return Position(started_at, call_id) if started_at is not None else None


def find_call(db: Session, project_id: int, call_id: int) -> CallRow | None:
    query = (
        select(Call, AttributedSession.key, CallVisitor.key)
        .outerjoin(AttributedSession, AttributedSession.id == Call.session_id)
        .outerjoin(CallVisitor, CallVisitor.id == Call.visitor_id)
        .where(Call.project_id == project_id, Call.id == call_id)
    )
    row = db.execute(query).first()
    return CallRow(row[0], row[1], row[2]) if row else None


def session_keys(db: Session, calls: Iterable[Call]) -> dict[int, str]:
    """The client ids of the candidate sessions of these calls, by session id."""
    wanted = {int(item) for call in calls for item in call.candidate_session_ids or []}
    if not wanted:
        return {}
    query = select(WebSession.id, WebSession.key).where(WebSession.id.in_(wanted))
    return {session_id: key for session_id, key in db.execute(query)}


def events(db: Session, call_id: int) -> list[CallEvent]:
    query = (
        select(CallEvent).where(CallEvent.call_id == call_id).order_by(CallEvent.at, CallEvent.id)
    )
    return list(db.scalars(query))


def snapshot_keys(db: Session, project_id: int, filters: CallFilters, column: Any) -> list[str]:
    """Every key found in a JSON snapshot column (``Call.visit`` or ``Call.entities``) of the
    filtered calls, sorted; one query, so an export's header is known before its rows."""
    wanted = conditions(project_id, filters)
    matching = select(Call.id).where(Call.project_id == project_id, *wanted)
    if db.get_bind().dialect.name == "postgresql":
        keys: Select[Any] = select(func.json_object_keys(column)).where(Call.id.in_(matching))
    else:
        each = func.json_each(column).table_valued("key")
        keys = select(each.c.key).select_from(Call).join(each, true())
        keys = keys.where(Call.id.in_(matching))
    return sorted({str(key) for key in db.scalars(keys.distinct())})


def sessions_calls_refer_to(db: Session) -> Callable[[Sequence[int]], set[int]]:
    """The sessions' SESSION_KEEPERS hook (wiring.py): ``dialtrail prune`` keeps a session a
    call refers to, as its attributed session (``calls.session_id``) or, for an ambiguous
    call, as another candidate (``calls.candidate_session_ids``). The candidates are read once
    per prune, the attributed sessions once per batch."""
    candidates = candidate_session_ids(db)

    def kept(batch: Sequence[int]) -> set[int]:
        return called_sessions(db, batch) | (candidates & set(batch))

    return kept


def candidate_session_ids(db: Session) -> set[int]:
    # json_array_length exists with this name and meaning on SQLite and PostgreSQL (json).
    query = select(Call.candidate_session_ids).where(
        func.json_array_length(Call.candidate_session_ids) > 0
    )
    return {int(item) for candidates in db.scalars(query) for item in candidates}


def called_sessions(db: Session, session_ids: Sequence[int]) -> set[int]:
    query = select(Call.session_id).where(Call.session_id.in_(session_ids)).distinct()
    return {session_id for session_id in db.scalars(query) if session_id is not None}
