"""Account → Password (change your own) and a superuser's reset of a user's password.

Both go through ``accounts.set_password``, as ``dialtrail setpassword`` does, so the rules and
the sign-out are the same everywhere: at least 8 characters, and every admin sign-in of the
user ends, except, for your own change, the browser you made it in.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dialtrail.admin.auth import Admin, CheckedForm, NotFound, SignedIn, Superuser
from dialtrail.admin.flash import flash
from dialtrail.admin.forms import FormErrors
from dialtrail.admin.rendering import redirect, render
from dialtrail.admin.signin import MAX_PASSWORD_LENGTH, how_long
from dialtrail.admin.throttle import LoginThrottle
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import FieldProblem
from dialtrail.api.schemas import UserId
from dialtrail.projects import accounts
from dialtrail.projects.models import User

router = APIRouter()

OWN_FIELDS = ("current_password", "password", "password_again")


def own_password_page(
    request: Request, admin: Admin, errors: FormErrors | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "account/password.html",
        status,
        admin=admin,
        section="password",
        errors=errors or FormErrors(),
    )


@router.get("/account/password")
def own_password(request: Request, admin: SignedIn) -> Response:
    return own_password_page(request, admin)


@router.post("/account/password")
def change_own_password(
    request: Request, admin: SignedIn, form: CheckedForm, db: DatabaseSession
) -> Response:
    throttle: LoginThrottle = request.app.state.throttle
    ip = request.client.host if request.client else ""
    # A wrong current password is a guess at the password, as a failed sign-in is: it is
    # slowed by the same counts, so a borrowed browser cannot guess its way in any faster.
    current = form.get("current_password", "")[:MAX_PASSWORD_LENGTH]
    new, again = form.get("password", ""), form.get("password_again", "")
    if new != again:  # refused before any password is checked: not a guess
        mismatch = accounts.AccountError(
            "the two new passwords differ: type the same one twice", "password_again"
        )
        return own_password_page(request, admin, refused(mismatch), 422)
    # Counted before the (slow) check, as a sign-in is (admin/signin.py), so parallel
    # guesses cannot all slip through; a right current password takes it back.
    wait = throttle.admit(ip, admin.user.email)
    if wait is not None:
        message = f"Too many wrong passwords from your network. Try again in {how_long(wait)}."
        return own_password_page(request, admin, FormErrors(general=[message]), 429)
    try:
        ended = accounts.change_own_password(db, admin.login, current, new)
    except accounts.AccountError as error:
        db.rollback()
        if error.field != "current_password":  # the current one was right; the new one not
            throttle.record_success(ip, admin.user.email)
        return own_password_page(request, admin, refused(error), 422)
    throttle.record_success(ip, admin.user.email)
    flash(request, admin, db, f"Your password was changed. {ended_sign_ins(ended, others=True)}")
    db.commit()
    return redirect(request, "/admin/account/password")


def refused(error: accounts.AccountError) -> FormErrors:
    field = error.field or "password"
    return FormErrors({field: FieldProblem(field, capitalised(str(error)))})


def capitalised(message: str) -> str:
    return message[:1].upper() + message[1:] + "."


def ended_sign_ins(count: int, *, others: bool) -> str:
    """What the change did to the user's sign-ins: the browser that made your own change
    stays signed in, so it counts only the others."""
    if count == 0:
        return "No other sign-in was open." if others else "They had no sign-in open."
    if others:
        if count == 1:
            return "1 other sign-in was ended: that browser must sign in again."
        return f"{count} other sign-ins were ended: those browsers must sign in again."
    noun = "sign-in was" if count == 1 else f"{count} sign-ins were"
    return f"Their {noun} ended: they must sign in again with the new password."


def reset_page(
    request: Request, admin: Admin, user: User, errors: FormErrors | None = None
) -> Response:
    return render(
        request,
        "account/reset_password.html",
        422 if errors else 200,
        admin=admin,
        section="users",
        user=user,
        errors=errors or FormErrors(),
    )


def user_by_id(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound
    return user


@router.get("/users/{user_id}/password")
def reset_form(
    request: Request, admin: Superuser, user_id: UserId, db: DatabaseSession
) -> Response:
    return reset_page(request, admin, user_by_id(db, user_id))


@router.post("/users/{user_id}/password")
def reset_password(
    request: Request, admin: Superuser, form: CheckedForm, user_id: UserId, db: DatabaseSession
) -> Response:
    user = user_by_id(db, user_id)
    # Resetting your own password from here must not sign out the browser doing it.
    keep = admin.login if user.id == admin.user.id else None
    try:
        ended = accounts.set_password(db, user, form.get("password", ""), keep=keep)
    except accounts.AccountError as error:
        db.rollback()
        return reset_page(request, admin, user, refused(error))
    message = f"The password of {user.email} was changed. "
    message += ended_sign_ins(ended, others=keep is not None)
    if keep is None:
        message += " Give them the new password in person or by phone, not by e-mail."
    flash(request, admin, db, message)
    db.commit()
    return redirect(request, "/admin/users")
