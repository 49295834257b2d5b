"""Which rows belong to a data subject: the sessions, visitors and calls a selector names
(docs/privacy.md, "Erasure and export").

A visitor id (the ``_dt_v`` cookie) names the visitor and all its sessions; a session id (the
``_dt_s`` cookie) one session and its visitor's row only when no other session is left; a
Google Analytics client id (``123.456`` or the ``_ga`` cookie ``GA1.1.123.456``) every session
that carried it; a caller number (any usual spelling, read with the project's country) every
call from it and the sessions those calls were attributed to. The calls of every session found
belong to the subject too.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from dialtrail.api.errors import FieldProblem, invalid
from dialtrail.calls.models import Call
from dialtrail.collector.sources import ga_client_id
from dialtrail.projects.models import Project
from dialtrail.projects.validation import normalise_phone_number
from dialtrail.sessions.models import Visitor, WebSession
from dialtrail.subjects.models import SelectorKind


@dataclass(frozen=True)
class Selector:
    kind: SelectorKind
    value: str


@dataclass
class Subject:
    """The ids of a subject's rows in one project."""

    project_id: int
    session_ids: set[int] = field(default_factory=set)
    visitor_ids: set[int] = field(default_factory=set)  # named whole: a visitor id selector
    touched_visitor_ids: set[int] = field(default_factory=set)  # the sessions' visitors
    call_ids: set[int] = field(default_factory=set)
    callers: set[str] = field(default_factory=set)  # as stored: E.164 or the raw caller


def find(db: Session, project: Project, selector: Selector) -> Subject:
    subject = Subject(project.id)
    value = selector.value.strip()
    if not value:
        raise invalid(FieldProblem("value", "name the data subject: the value is empty"))
    if selector.kind == "caller":
        find_calls_from(db, subject, caller_forms(value, project.country))
    else:
        sessions = db.execute(sessions_named(project.id, selector.kind, value)).all()
        subject.session_ids.update(row.id for row in sessions)
        subject.touched_visitor_ids.update(row.visitor_id for row in sessions)
        if selector.kind == "visitor":
            subject.visitor_ids.update(visitors_named(db, project.id, value))
    add_calls_of_sessions(db, subject)
    return subject


def sessions_named(project_id: int, kind: str, value: str) -> Select[int, int]:
    query = select(WebSession.id, WebSession.visitor_id).where(WebSession.project_id == project_id)
    if kind == "session":
        return query.where(WebSession.key == value)
    if kind == "ga_client_id":
        return query.where(WebSession.ga_client_id == (ga_client_id(value) or value))
    owner = select(Visitor.id).where(Visitor.project_id == project_id, Visitor.key == value)
    return query.where(WebSession.visitor_id.in_(owner))


def visitors_named(db: Session, project_id: int, key: str) -> list[int]:
    query = select(Visitor.id).where(Visitor.project_id == project_id, Visitor.key == key)
    return list(db.scalars(query))


def caller_forms(value: str, country: str | None) -> set[str]:
    """The number in E.164 when it reads as one, and as given (a raw caller such as an
    extension or a SIP address is stored as sent)."""
    forms = {value}
    with suppress(ValueError):
        forms.add(normalise_phone_number(value, country))
    return forms


def find_calls_from(db: Session, subject: Subject, callers: set[str]) -> None:
    query = select(Call.id, Call.session_id, Call.visitor_id, Call.caller, Call.caller_raw).where(
        Call.project_id == subject.project_id,
        or_(Call.caller.in_(callers), Call.caller_raw.in_(callers)),
    )
    for row in db.execute(query):
        subject.call_ids.add(row.id)
        subject.callers.update(found for found in (row.caller, row.caller_raw) if found)
        if row.session_id is not None:
            subject.session_ids.add(row.session_id)
        if row.visitor_id is not None:
            subject.touched_visitor_ids.add(row.visitor_id)


def add_calls_of_sessions(db: Session, subject: Subject) -> None:
    if not subject.session_ids and not subject.visitor_ids:
        return
    query = select(Call.id, Call.caller, Call.caller_raw).where(
        Call.project_id == subject.project_id,
        or_(Call.session_id.in_(subject.session_ids), Call.visitor_id.in_(subject.visitor_ids)),
    )
    for row in db.execute(query):
        subject.call_ids.add(row.id)
        subject.callers.update(found for found in (row.caller, row.caller_raw) if found)
