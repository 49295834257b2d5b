"""Set-up → Members: who works on the project; owners add members, change roles, remove them.

Through projects.service, as the members API: a project always keeps one owner, so the last
owner can neither leave nor become a member (409, said in the page's own words). Members see
the list read-only and get the 403 page for any change; outsiders get 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dialtrail.admin.auth import Admin, CheckedForm, OwnedProject, ReadableProject, SignedIn
from dialtrail.admin.flash import flash
from dialtrail.admin.forms import FormErrors, form_errors
from dialtrail.admin.rendering import redirect, render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError, invalid_field
from dialtrail.api.schemas import UserId
from dialtrail.projects import service
from dialtrail.projects.access import ProjectAccess
from dialtrail.projects.models import ROLES, Membership
from dialtrail.projects.schemas import MemberCreate

router = APIRouter(prefix="/projects/{project_id}/members")

ADD_FIELDS = ("email", "role")


def members_page(
    request: Request,
    admin: Admin,
    access: ProjectAccess,
    db: Session,
    status: int = 200,
    errors: FormErrors | None = None,
    added: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "members.html",
        status,
        admin=admin,
        project=access.project,
        section="members",
        members=service.list_members(db, access.project),
        can_change=access.is_owner,
        errors=errors or FormErrors(),
        added=added or {"email": "", "role": "member"},
    )


def members_url(access: ProjectAccess) -> str:
    return f"/admin/projects/{access.project.id}/members"


@router.get("")
def members(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    return members_page(request, admin, access, db)


@router.post("")
def add_member(
    request: Request, admin: SignedIn, form: CheckedForm, access: OwnedProject, db: DatabaseSession
) -> Response:
    added = {name: form.get(name, "") for name in ADD_FIELDS}
    try:
        body = MemberCreate.model_validate({"email": added["email"], "role": added["role"]})
        membership, _ = service.add_member(db, access.project, body.email, body.role)
    except (ValidationError, ApiError) as error:
        db.rollback()
        wanted = f"make {added['email'].strip()} a {added['role']}"
        errors = refusal(error, added["email"].strip(), access, wanted)
        return members_page(request, admin, access, db, status_of(error), errors, added)
    return now_in_role(request, admin, db, access, membership)


def now_in_role(
    request: Request,
    admin: Admin,
    db: Session,
    access: ProjectAccess,
    membership: Membership,
) -> Response:
    """A member added or a role changed: said on the members page (Post/Redirect/Get)."""
    flash(request, admin, db, f"{membership.user.email} is now {role_words(membership)}.")
    db.commit()
    return redirect(request, members_url(access))


@router.post("/{user_id}/role")
def change_role(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    user_id: UserId,
    access: OwnedProject,
    db: DatabaseSession,
) -> Response:
    role = form.get("role", "")
    try:
        if role not in ROLES:
            raise invalid_field("role", "choose owner or member")
        membership = service.change_role(db, access.project, user_id, role)
    except ApiError as error:
        db.rollback()
        email = member_email(db, access, user_id)
        errors = refusal(error, email, access, wanted=f"make {email} a {role}")
        return members_page(request, admin, access, db, error.status, errors)
    return now_in_role(request, admin, db, access, membership)


@router.post("/{user_id}/remove")
def remove_member(
    request: Request,
    admin: SignedIn,
    form: CheckedForm,
    user_id: UserId,
    access: OwnedProject,
    db: DatabaseSession,
) -> Response:
    email = member_email(db, access, user_id)
    try:
        service.remove_member(db, access.project, user_id)
    except ApiError as error:
        db.rollback()
        errors = refusal(error, email, access, wanted=f"remove {email}")
        return members_page(request, admin, access, db, error.status, errors)
    name = access.project.name
    if user_id == admin.user.id and not admin.user.is_superuser:
        flash(request, admin, db, f"You left {name}: it is no longer in your projects.")
        db.commit()
        return redirect(request, "/admin/")
    flash(request, admin, db, f"{email} was removed from {name}.")
    db.commit()
    return redirect(request, members_url(access))


def member_email(db: Session, access: ProjectAccess, user_id: int) -> str:
    membership = service.find_membership(db, access.project, user_id)
    if membership is None:
        raise ApiError(404, "not_found", f"member {user_id}")
    return membership.user.email


def role_words(membership: Membership) -> str:
    return (
        f"{'an owner' if membership.role == 'owner' else 'a member'} of {membership.project.name}"
    )


def status_of(error: ApiError | ValidationError) -> int:
    return error.status if isinstance(error, ApiError) else 422


def refusal(
    error: ApiError | ValidationError, email: str, access: ProjectAccess, wanted: str
) -> FormErrors:
    """The service's refusal in the page's words; the last owner's case named plainly."""
    if isinstance(error, ApiError) and error.status == 409:
        name = access.project.name
        message = (
            f"Cannot {wanted}: {email} is the only owner of {name}, and a project must "
            "keep at least one owner. Make another member an owner first."
        )
        return FormErrors(general=[message])
    return form_errors(error, ADD_FIELDS)
