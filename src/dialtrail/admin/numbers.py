"""Call tracking → Numbers: pool and static numbers, bulk paste, pool settings, utilisation.

Every form goes through the numbers API's request models and numbers.service (all-or-nothing
bulk adds, draining removals), and the pool settings through the projects API's model and
projects.service (owners only), so each rule and message is the API's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dialtrail.admin.auth import (
    Admin,
    CheckedForm,
    OwnedProject,
    ReadableProject,
    SignedIn,
    WritableProject,
)
from dialtrail.admin.flash import flash
from dialtrail.admin.forms import FormErrors, PastedLines, errors_with_lines, form_errors
from dialtrail.admin.rendering import plural, redirect, render
from dialtrail.admin.usage_chart import expectation, recommendation, usage_chart
from dialtrail.api.database import DatabaseSession, Now
from dialtrail.api.errors import ApiError
from dialtrail.api.schemas import NumberId
from dialtrail.numbers import service
from dialtrail.numbers.requests import NumberCreate, NumbersCreate, NumberUpdate
from dialtrail.numbers.usage import usage_of
from dialtrail.projects import service as projects
from dialtrail.projects.access import ProjectAccess
from dialtrail.projects.schemas import ProjectUpdate

router = APIRouter(prefix="/projects/{project_id}/numbers")

USAGE_DAYS = 7
NUMBER_FIELDS = ("number", "kind", "label", "destination")
BULK_FIELDS = ("numbers", "kind", "label", "destination")
POOL_FIELDS = ("hold_seconds", "on_pool_exhausted", "late_call_seconds")
NEW_NUMBER = {"number": "", "kind": "pool", "label": "", "destination": ""}
NEW_BULK = {"numbers": "", "kind": "pool", "label": "", "destination": ""}


def numbers_page(
    request: Request,
    admin: Admin,
    access: ProjectAccess,
    db: Session,
    now: datetime,
    **forms: Any,
) -> Response:
    usage = usage_of(db, access.project, now, USAGE_DAYS * 24)
    failed = any(forms.get(name) for name in ("add_errors", "bulk_errors", "pool_errors"))
    context: dict[str, Any] = {
        "add": dict(NEW_NUMBER),
        "add_errors": FormErrors(),
        "bulk": dict(NEW_BULK),
        "bulk_errors": FormErrors(),
        "bulk_lines": [],
        "pool": pool_values(access),
        "pool_errors": FormErrors(),
        "notice": None,
        **forms,
    }
    return render(
        request,
        "numbers/list.html",
        422 if failed else 200,
        admin=admin,
        project=access.project,
        section="numbers",
        states=service.list_numbers(db, access.project, now),
        can_change_pool=access.is_owner,
        usage=usage,
        chart=usage_chart(usage, now, USAGE_DAYS * 24, access.project.timezone),
        recommendation=recommendation(usage, USAGE_DAYS),
        expectation=expectation(usage),
        **context,
    )


def pool_values(access: ProjectAccess) -> dict[str, Any]:
    return {name: getattr(access.project, name) for name in POOL_FIELDS}


@router.get("")
def number_list(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession, now: Now
) -> Response:
    notice = removal_notice(request, access, db, now)
    return numbers_page(request, admin, access, db, now, notice=notice)


def removal_notice(
    request: Request, access: ProjectAccess, db: Session, now: datetime
) -> str | None:
    """After a removal: say whether the number is gone or draining (a session holds it)."""
    removed = request.query_params.get("removed", "")
    # isascii: str.isdigit() accepts "²", which int() refuses.
    if not (removed.isascii() and removed.isdigit()) or not 1 <= int(removed) < 2**31:
        return None
    try:
        number = service.find_number(db, access.project, int(removed))
    except ApiError:
        return None
    state = service.number_state(db, access.project, number, now)
    if state.status == "draining":
        return (
            f"{number.number} is draining: a visitor's session holds it now. Nobody else will "
            "get it, and it goes once that session's lease ends."
        )
    return f"{number.number} was removed." if state.status == "removed" else None


@router.post("")
def add_number(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: WritableProject,
    db: DatabaseSession,
    now: Now,
) -> Response:
    fields = posted(form, NUMBER_FIELDS)
    try:
        body = NumberCreate.model_validate(fields)
        service.add_number(db, access.project, body)
    except (ValidationError, ApiError) as error:
        db.rollback()
        values = {**NEW_NUMBER, **fields}
        errors = form_errors(error, NUMBER_FIELDS)
        return numbers_page(request, admin, access, db, now, add=values, add_errors=errors)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/numbers")


def posted(form: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    fields: dict[str, Any] = {name: form[name] for name in names if name in form}
    if not fields.get("destination", "").strip():
        fields["destination"] = None  # an empty box: the project's destination
    return fields


@router.post("/bulk")
def add_numbers(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: WritableProject,
    db: DatabaseSession,
    now: Now,
) -> Response:
    fields = posted(form, BULK_FIELDS)
    pasted = PastedLines.of(fields.get("numbers", ""))
    try:
        body = NumbersCreate.model_validate({**fields, "numbers": pasted.values})
        added, present = service.add_numbers(db, access.project, body)
    except (ValidationError, ApiError) as error:
        db.rollback()
        errors, bad_lines = bulk_errors(error, pasted)
        values = {**NEW_BULK, **fields, "destination": fields["destination"] or ""}
        return numbers_page(
            request, admin, access, db, now, bulk=values, bulk_errors=errors, bulk_lines=bad_lines
        )
    flash(request, admin, db, bulk_added_message(len(added), len(present)))
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/numbers")


def bulk_added_message(added: int, present: int) -> str:
    message = f"{plural(added, 'number')} added."
    if present:
        message += f" Already in the project, left unchanged: {plural(present, 'number')}."
    return message


def bulk_errors(
    error: ValidationError | ApiError, pasted: PastedLines
) -> tuple[FormErrors, list[tuple[int, str]]]:
    errors, bad_lines = errors_with_lines(
        error, {"numbers": pasted}, BULK_FIELDS, "Nothing was added"
    )
    return errors, bad_lines.get("numbers", [])


@router.get("/{number_id}/edit")
def edit_number(
    request: Request,
    admin: SignedIn,
    access: ReadableProject,
    number_id: NumberId,
    db: DatabaseSession,
    now: Now,
) -> Response:
    number = service.find_number(db, access.project, number_id)
    values = {name: getattr(number, name) or "" for name in NUMBER_FIELDS}
    state = service.number_state(db, access.project, number, now)
    return number_form(request, admin, access, state, values)


def number_form(
    request: Request,
    admin: Admin,
    access: ProjectAccess,
    state: service.NumberState,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "numbers/edit.html",
        status,
        admin=admin,
        project=access.project,
        section="numbers",
        state=state,
        values=values,
        errors=errors or FormErrors(),
    )


@router.post("/{number_id}/edit")
def update_number(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: WritableProject,
    number_id: NumberId,
    db: DatabaseSession,
    now: Now,
) -> Response:
    number = service.find_number(db, access.project, number_id)
    fields = posted(form, ("kind", "label", "destination"))
    try:
        body = NumberUpdate.model_validate(fields)
        service.update_number(db, access.project, number, body, now)
    except (ValidationError, ApiError) as error:
        db.rollback()
        number = service.find_number(db, access.project, number_id)
        state = service.number_state(db, access.project, number, now)
        values = {**fields, "number": number.number, "destination": fields["destination"] or ""}
        status = error.status if isinstance(error, ApiError) else 422
        errors = form_errors(error, NUMBER_FIELDS)
        return number_form(request, admin, access, state, values, errors, status)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/numbers")


@router.post("/{number_id}/remove")
def remove_number(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: WritableProject,
    number_id: NumberId,
    db: DatabaseSession,
    now: Now,
) -> Response:
    number = service.find_number(db, access.project, number_id)
    service.remove_number(db, number, now)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/numbers?removed={number.id}")


@router.post("/pool")
def update_pool(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    access: OwnedProject,
    db: DatabaseSession,
    now: Now,
) -> Response:
    fields = {name: form[name].strip() for name in POOL_FIELDS if name in form}
    try:
        body = ProjectUpdate.model_validate(fields)
        projects.update_project(db, access.project, body)
    except (ValidationError, ApiError) as error:
        db.rollback()
        values = {**pool_values(access), **fields}
        errors = form_errors(error, POOL_FIELDS)
        return numbers_page(request, admin, access, db, now, pool=values, pool_errors=errors)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/numbers#pool-settings")
