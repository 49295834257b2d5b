"""Account → API tokens (each user's own), and Users (superusers: create users, add members)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dialtrail.admin.auth import Admin, CheckedForm, SignedIn, Superuser
from dialtrail.admin.flash import keep_once, take_once
from dialtrail.admin.forms import FormErrors, PlainMessages, form_errors, plain_problems
from dialtrail.admin.rendering import redirect, render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError, FieldProblem, invalid, not_found
from dialtrail.api.schemas import MAX_ID, TokenId
from dialtrail.projects import accounts
from dialtrail.projects import service as projects
from dialtrail.projects.access import owned_project
from dialtrail.projects.models import Membership, User
from dialtrail.projects.schemas import MemberCreate, TokenCreate

router = APIRouter()

TOKEN_MESSAGES: PlainMessages = {
    ("name", "string_too_short"): "Give the token a name, such as the program that will use it.",
    ("name", "string_too_long"): "Make the name shorter: at most 100 characters.",
}


def tokens_page(
    request: Request,
    admin: Admin,
    db: Session,
    errors: FormErrors | None = None,
    created: NewToken | None = None,
    name: str = "",
) -> Response:
    return render(
        request,
        "account/tokens.html",
        422 if errors else 200,
        admin=admin,
        section="tokens",
        tokens=accounts.list_tokens(db, admin.user),
        errors=errors or FormErrors(),
        created=created,
        name=name,
    )


@dataclass(frozen=True)
class NewToken:
    """A token just created, kept (flash.keep_once) for the one page that shows its secret."""

    name: str
    secret: str


JUST_CREATED = "new_token"


@router.get("/account/tokens")
def tokens(request: Request, admin: SignedIn, db: DatabaseSession) -> Response:
    kept = take_once(request, admin, db, JUST_CREATED)
    db.commit()  # taken: a reload shows the list without the secret
    created = NewToken(**kept) if kept else None
    return tokens_page(request, admin, db, created=created)


@router.post("/account/tokens")
def create_token(
    request: Request, admin: SignedIn, form: CheckedForm, db: DatabaseSession
) -> Response:
    name = form.get("name", "")
    try:
        body = TokenCreate.model_validate({"name": name})
        issued = accounts.issue_token(db, admin.user, body.name)
    except ValidationError as error:
        errors = form_errors(invalid(*plain_problems(error, TOKEN_MESSAGES)), ("name",))
        return tokens_page(request, admin, db, errors, name=name)
    except accounts.AccountError as error:
        return tokens_page(request, admin, db, account_errors(error, ("name",)), name=name)
    # Post/Redirect/Get: reloading the page that shows the secret must not create another token.
    keep_once(
        request, admin, db, JUST_CREATED, {"name": issued.token.name, "secret": issued.secret}
    )
    db.commit()
    return redirect(request, "/admin/account/tokens")


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, admin: SignedIn, form: CheckedForm, token_id: TokenId, db: DatabaseSession
) -> Response:
    token = accounts.find_own_token(db, admin.user, token_id)
    if token is None:
        raise not_found(f"token {token_id}")
    accounts.revoke_token(token)
    db.commit()
    return redirect(request, "/admin/account/tokens")


def account_errors(error: accounts.AccountError, known: tuple[str, ...]) -> FormErrors:
    problem = FieldProblem(error.field or "body", str(error))
    return form_errors(invalid(problem), known)


def users_page(
    request: Request, admin: Admin, db: Session, status: int = 200, **forms: Any
) -> Response:
    users = list(db.scalars(select(User).order_by(User.id)))
    memberships = list(db.scalars(select(Membership).order_by(Membership.id)))
    return render(
        request,
        "account/users.html",
        status,
        admin=admin,
        section="users",
        users=users,
        memberships=memberships,
        user_form=forms.get("user_form", {"email": "", "superuser": False}),
        user_errors=forms.get("user_errors", FormErrors()),
        member_form=forms.get("member_form", {"email": "", "role": "member", "project_id": ""}),
        member_errors=forms.get("member_errors", FormErrors()),
        done=forms.get("done", ""),
    )


@router.get("/users")
def users(request: Request, admin: Superuser, db: DatabaseSession) -> Response:
    return users_page(request, admin, db)


@router.post("/users")
def create_user(
    request: Request, admin: Superuser, form: CheckedForm, db: DatabaseSession
) -> Response:
    email, superuser = form.get("email", ""), form.get("superuser") == "on"
    try:
        if "\x00" in email:
            raise accounts.AccountError("text may not contain the NUL character", "email")
        user = accounts.create_user(db, email, form.get("password", ""), superuser=superuser)
    except accounts.AccountError as error:
        db.rollback()
        user_form = {"email": email, "superuser": superuser}
        errors = account_errors(error, ("email", "password"))
        return users_page(request, admin, db, 422, user_form=user_form, user_errors=errors)
    db.commit()
    return users_page(request, admin, db, 201, done=f"User {user.email} created.")


@router.post("/users/members")
def add_member(
    request: Request, admin: Superuser, form: CheckedForm, db: DatabaseSession
) -> Response:
    member_form = {name: form.get(name, "") for name in ("email", "role", "project_id")}
    try:
        access = owned_project(db, admin.user, project_id(member_form["project_id"]))
        fields = {"email": form.get("email", ""), "role": form.get("role")}
        body = MemberCreate.model_validate(fields)
        membership, _ = projects.add_member(db, access.project, body.email, body.role)
    except (ValidationError, ApiError) as error:
        db.rollback()
        errors = form_errors(error, ("email", "role", "project_id"))
        return users_page(request, admin, db, 422, member_form=member_form, member_errors=errors)
    db.commit()
    done = f"{membership.user.email} is now {membership.role} of {access.project.name}."
    return users_page(request, admin, db, 201, done=done)


def project_id(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise invalid(FieldProblem("project_id", "choose a project"))
    return int(raw)
