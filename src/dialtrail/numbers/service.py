"""Adding, changing and removing a project's tracking numbers.

Numbers are never deleted: leases and calls refer to them, and a late caller of a removed
number must still be matched. Removing one sets ``removed_at``; a number removed while a
session holds it is *draining*: it is never leased again and goes once the lease ends.
Adding a removed number back revives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError, FieldProblem, conflict, invalid, invalid_field, not_found
from dialtrail.numbers.models import NumberLease, TrackingNumber
from dialtrail.numbers.requests import NumberCreate, NumbersCreate, NumberUpdate
from dialtrail.projects import validation
from dialtrail.projects.models import Project

MAX_NUMBERS_PER_PROJECT = 1000


@dataclass(frozen=True)
class NumberState:
    number: TrackingNumber
    live_leases: int  # sessions holding it now (more than one: shared on exhaustion)
    lease_expires_at: datetime | None
    # Another country than the project's: added anyway (a site may list a foreign office),
    # but said wherever the number is shown (validation.foreign_number_warning).
    warning: str | None = None

    @property
    def status(self) -> str:
        if self.number.removed_at is not None:
            return "draining" if self.live_leases else "removed"
        if self.number.kind == "static":
            return "static"
        return "leased" if self.live_leases else "free"


def list_numbers(
    db: Session, project: Project, now: datetime, *, include_removed: bool = False
) -> list[NumberState]:
    query = select(TrackingNumber).where(TrackingNumber.project_id == project.id)
    if not include_removed:
        # A draining number is still listed: a session shows it until its lease ends.
        query = query.where(
            TrackingNumber.removed_at.is_(None) | TrackingNumber.id.in_(leased_ids(project, now))
        )
    numbers = db.scalars(query.order_by(TrackingNumber.kind, TrackingNumber.number)).all()
    leases = live_leases(db, project, now)
    return [state_of(number, leases, project.country) for number in numbers]


def leased_ids(project: Project, now: datetime) -> Any:
    return select(NumberLease.number_id).where(
        NumberLease.project_id == project.id,
        NumberLease.released_at.is_(None),
        NumberLease.expires_at > now,
    )


def live_leases(db: Session, project: Project, now: datetime) -> dict[int, tuple[int, datetime]]:
    query = (
        select(NumberLease.number_id, func.count(), func.max(NumberLease.expires_at))
        .where(
            NumberLease.project_id == project.id,
            NumberLease.released_at.is_(None),
            NumberLease.expires_at > now,
        )
        .group_by(NumberLease.number_id)
    )
    return {number_id: (count, expires) for number_id, count, expires in db.execute(query)}


def state_of(
    number: TrackingNumber, leases: dict[int, tuple[int, datetime]], country: str | None
) -> NumberState:
    count, expires = leases.get(number.id, (0, None))
    warning = validation.foreign_number_warning(number.number, country)
    return NumberState(number, count, expires, warning)


def find_number(db: Session, project: Project, number_id: int) -> TrackingNumber:
    number = db.get(TrackingNumber, number_id)
    if number is None or number.project_id != project.id:
        raise not_found(f"number {number_id}")
    return number


def number_state(
    db: Session, project: Project, number: TrackingNumber, now: datetime
) -> NumberState:
    return state_of(number, live_leases(db, project, now), project.country)


def add_numbers(
    db: Session, project: Project, body: NumbersCreate
) -> tuple[list[TrackingNumber], list[str]]:
    """Adds every number or none (a bad one is a 422 naming its place in the list); numbers
    already in the project are left as they are and returned as the second list."""
    normalised = normalise_all(project, body.numbers)
    destination = checked_destination(project, body.destination)
    existing = {
        number.number: number
        for number in db.scalars(
            select(TrackingNumber).where(
                TrackingNumber.project_id == project.id,
                TrackingNumber.number.in_(normalised),
            )
        )
    }
    present = [
        value for value in normalised if value in existing and existing[value].removed_at is None
    ]
    wanted = [value for value in normalised if value not in present]
    check_room(db, project, len(wanted))
    added = [
        revive(existing[value], body, destination)
        if value in existing
        else new_number(db, project, value, body, destination)
        for value in wanted
    ]
    db.flush()
    return added, present


def normalise_all(project: Project, raw_numbers: list[str]) -> list[str]:
    problems: list[FieldProblem] = []
    normalised: list[str] = []
    site_numbers = set(project.site_numbers)
    for index, raw in enumerate(raw_numbers):
        try:
            value = validation.normalise_phone_number(raw, project.country)
        except ValueError as error:
            problems.append(FieldProblem(f"numbers.{index}", str(error)))
            continue
        if value in site_numbers:
            message = f"{value} is one of the project's site numbers (the ones the script replaces)"
            problems.append(FieldProblem(f"numbers.{index}", message))
        elif value not in normalised:  # the same number twice in one paste counts once
            normalised.append(value)
    if problems:
        raise invalid(*problems)
    return normalised


def checked_destination(project: Project, raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    try:
        return validation.normalise_destination(raw, project.country)
    except ValueError as error:
        raise invalid_field("destination", str(error)) from None


def check_room(db: Session, project: Project, adding: int) -> None:
    active = db.scalar(
        select(func.count()).where(
            TrackingNumber.project_id == project.id, TrackingNumber.removed_at.is_(None)
        )
    )
    if (active or 0) + adding > MAX_NUMBERS_PER_PROJECT:
        raise ApiError(
            422,
            "limit_reached",
            f"a project may have at most {MAX_NUMBERS_PER_PROJECT} numbers; it has {active}",
        )


def new_number(
    db: Session, project: Project, value: str, body: NumbersCreate, destination: str | None
) -> TrackingNumber:
    number = TrackingNumber(
        project_id=project.id,
        number=value,
        kind=body.kind,
        label=body.label,
        destination=destination,
    )
    db.add(number)
    return number


def revive(number: TrackingNumber, body: NumbersCreate, destination: str | None) -> TrackingNumber:
    number.removed_at = None
    number.kind = body.kind
    number.label = body.label
    number.destination = destination
    return number


def add_number(db: Session, project: Project, body: NumberCreate) -> TrackingNumber:
    as_list = NumbersCreate(
        numbers=[body.number], kind=body.kind, label=body.label, destination=body.destination
    )
    try:
        added, present = add_numbers(db, project, as_list)
    except ApiError as error:
        # One number was sent, as `number`: the error names that field, not `numbers.0`.
        problems = [
            FieldProblem("number", problem.message) if problem.field == "numbers.0" else problem
            for problem in error.fields
        ]
        raise invalid(*problems) if problems else error from None
    if present:
        raise conflict(f"{present[0]} is already one of this project's numbers", "number")
    return added[0]


def update_number(
    db: Session, project: Project, number: TrackingNumber, body: NumberUpdate, now: datetime
) -> None:
    """Changes the fields ``body`` sets."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    if number.removed_at is not None:
        raise conflict("this number was removed; add it again to use it")
    kind = changes.get("kind")
    if kind is not None and kind != number.kind:
        if number_state(db, project, number, now).live_leases:
            raise conflict(
                "a session holds this number now; change its kind once the lease ends", "kind"
            )
        number.kind = kind
    if "label" in changes:
        number.label = changes["label"] or ""
    if "destination" in changes:
        number.destination = checked_destination(project, changes["destination"])


def remove_number(db: Session, number: TrackingNumber, now: datetime) -> None:
    if number.removed_at is None:
        number.removed_at = now
