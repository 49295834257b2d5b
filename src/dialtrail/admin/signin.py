"""Signing in and out, the admin home, and the project switcher."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from dialtrail.admin import logins
from dialtrail.admin.auth import CheckedForm, CsrfRefused, SignedIn, clock_of
from dialtrail.admin.rendering import redirect, render, secure_cookies, set_login_cookie
from dialtrail.admin.sections import FIRST_SECTION, SECTION_SLUGS
from dialtrail.admin.throttle import LoginThrottle
from dialtrail.api.database import DatabaseSession
from dialtrail.projects import accounts
from dialtrail.projects.models import User

router = APIRouter()

NONCE_COOKIE = "dialtrail_login"
HOME = "/admin/"
MAX_PASSWORD_LENGTH = 1000


def safe_next(next_url: str | None) -> str:
    # Only paths inside the admin: "next" must never send a browser to another site.
    if next_url and next_url.startswith("/admin/") and not next_url.startswith("//"):
        return next_url
    return HOME


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    nonce = request.cookies.get(NONCE_COOKIE) or secrets.token_urlsafe(24)
    response = login_form(request, nonce, safe_next(next))
    response.set_cookie(
        NONCE_COOKIE,
        nonce,
        path="/admin/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    return response


def login_form(
    request: Request, nonce: str, next_url: str, email: str = "", error: str = "", status: int = 200
) -> Response:
    token = logins.anonymous_csrf_token(request.app.state.csrf_key, nonce)
    return render(
        request, "login.html", status, csrf_token=token, next=next_url, email=email, error=error
    )


@router.post("/login")
def sign_in(
    request: Request,
    db: DatabaseSession,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = HOME,
) -> Response:
    nonce = request.cookies.get(NONCE_COOKIE, "")
    expected = logins.anonymous_csrf_token(request.app.state.csrf_key, nonce)
    if not nonce or not secrets.compare_digest(expected, csrf_token):
        raise CsrfRefused
    throttle: LoginThrottle = request.app.state.throttle
    ip = request.client.host if request.client else ""
    # Counted before the (slow) password check, so parallel guesses cannot all slip through.
    wait = throttle.admit(ip, email)
    if wait is not None:
        error = f"Too many failed sign-ins from your network. Try again in {how_long(wait)}."
        return login_form(request, nonce, safe_next(next), email, error, 429)
    user = authenticated_user(db, email, password)
    if user is None:
        error = "Wrong e-mail address or password."
        return login_form(request, nonce, safe_next(next), email, error, 400)
    throttle.record_success(ip, email)
    return start_session(request, db, user, safe_next(next))


def how_long(wait: timedelta) -> str:
    seconds = math.ceil(wait.total_seconds())
    if seconds < 60:
        return f"{seconds} second{'s' if seconds > 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


@cache
def decoy_hash() -> str:
    return accounts.hash_password(secrets.token_urlsafe(16))


def authenticated_user(db: DatabaseSession, email: str, password: str) -> User | None:
    user = find_user(db, email) if len(password) <= MAX_PASSWORD_LENGTH else None
    if user is None:
        # Hash anyway, so the answer takes as long as for a real account (no e-mail probing).
        accounts.verify_password(User(password_hash=decoy_hash()), password[:MAX_PASSWORD_LENGTH])
        return None
    return user if accounts.verify_password(user, password) else None


def find_user(db: DatabaseSession, email: str) -> User | None:
    if "\x00" in email:  # PostgreSQL cannot even compare text holding NUL
        return None
    try:
        return accounts.find_user(db, email)
    except accounts.AccountError:
        return None


def start_session(request: Request, db: DatabaseSession, user: User, next_url: str) -> Response:
    now = clock_of(request)
    logins.end_expired(db, now)
    agent = request.headers.get("user-agent", "")
    token = logins.start(db, user, now, agent, request.client.host if request.client else "")
    db.commit()
    response = redirect(request, next_url)
    set_login_cookie(request, response, token)
    response.delete_cookie(NONCE_COOKIE, path="/admin/")
    return response


@router.post("/logout")
def sign_out(request: Request, admin: SignedIn, form: CheckedForm, db: DatabaseSession) -> Response:
    logins.end(db, admin.login)
    db.commit()
    request.state.login_token = None
    response = redirect(request, "/admin/login")
    response.delete_cookie(logins.COOKIE_NAME, path="/")
    return response


@router.get("/")
def home(request: Request, admin: SignedIn) -> Response:
    if admin.projects:
        first, _ = admin.projects[0]
        return redirect(request, f"/admin/projects/{first.id}/{FIRST_SECTION}")
    return render(request, "no_projects.html", admin=admin)


@router.get("/switch")
def switch_project(
    request: Request,
    admin: SignedIn,
    project_id: Annotated[int, Query(ge=1, le=2**31 - 1)],
    section: str = FIRST_SECTION,
) -> Response:
    slug = section if section in SECTION_SLUGS else FIRST_SECTION
    return redirect(request, f"/admin/projects/{project_id}/{slug}")
