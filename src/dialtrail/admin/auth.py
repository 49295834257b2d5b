"""Who is signed in, which project a page is about, and the CSRF check of every form post."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from dialtrail.admin import flash, logins
from dialtrail.api.database import DatabaseSession
from dialtrail.api.schemas import ProjectId
from dialtrail.projects.access import (
    ProjectAccess,
    owned_project,
    readable_project,
    visible_projects,
    writable_project,
)
from dialtrail.projects.models import LoginSession, Project, User


class SignInRequired(Exception):
    """Raised by every admin page when nobody is signed in; answered with a redirect."""


class CsrfRefused(Exception):
    """A form post without the page's CSRF token; answered with 403 and nothing written."""


class NotFound(Exception):
    """An admin page that does not exist (or is not this user's to see)."""


@dataclass
class Admin:
    """The signed-in person, as every page's layout needs them."""

    user: User
    login: LoginSession
    csrf_token: str
    projects: list[tuple[Project, str | None]] = field(default_factory=list)
    # Takes the notices a redirect left (flash.flash); called by the layout of a full page.
    take_notices: Callable[[], list[str]] = field(default=lambda: [])


def clock_of(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def signed_in(request: Request, db: DatabaseSession) -> Admin:
    token = request.cookies.get(logins.COOKIE_NAME)
    login = logins.find(db, token, clock_of(request)) if token else None
    if login is None:
        raise SignInRequired
    if db.is_modified(login):
        # The slid expiry is committed before the page's work: the next request (perhaps on
        # another connection) must see it, and a page's failure must not undo it.
        db.commit()
    request.state.login_token = token
    csrf = logins.csrf_token(request.app.state.csrf_key, login)
    projects = visible_projects(db, login.user)
    return Admin(login.user, login, csrf, projects, notices_taker(request, db, login))


def notices_taker(request: Request, db: Session, login: LoginSession) -> Callable[[], list[str]]:
    """Notices wait for a full page of a GET: a redirect or an error page shows none, and a
    POST's page (a form with its errors) must not commit what it did not mean to."""

    def take() -> list[str]:
        if request.method != "GET":
            return []
        notices = flash.take_notices(request, db, login)
        if notices:
            db.commit()
        return notices

    return take


SignedIn = Annotated[Admin, Depends(signed_in)]


def superuser(admin: SignedIn) -> Admin:
    # 404 rather than 403: the page does not exist for anyone else.
    if not admin.user.is_superuser:
        raise NotFound
    return admin


Superuser = Annotated[Admin, Depends(superuser)]


async def checked_form(request: Request, admin: SignedIn) -> dict[str, str]:
    """The posted fields, once the CSRF token matches this login session."""
    form = await request.form()
    given = form.get("csrf_token")
    key: bytes = request.app.state.csrf_key
    if not isinstance(given, str) or not logins.csrf_matches(key, admin.login, given):
        raise CsrfRefused
    return {name: value for name, value in form.items() if isinstance(value, str)}


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]


def project_reader(project_id: ProjectId, admin: SignedIn, db: DatabaseSession) -> ProjectAccess:
    return readable_project(db, admin.user, project_id)


def project_writer(project_id: ProjectId, admin: SignedIn, db: DatabaseSession) -> ProjectAccess:
    return writable_project(db, admin.user, project_id)


def project_owner(project_id: ProjectId, admin: SignedIn, db: DatabaseSession) -> ProjectAccess:
    # A member gets the 403 page ("only the project's owners may do this"), an outsider 404.
    return owned_project(db, admin.user, project_id)


ReadableProject = Annotated[ProjectAccess, Depends(project_reader)]
WritableProject = Annotated[ProjectAccess, Depends(project_writer)]
OwnedProject = Annotated[ProjectAccess, Depends(project_owner)]


def signed_in_user(request: Request) -> User | None:
    """For pages outside /admin (GET /): the user behind the cookie, if any."""
    token = request.cookies.get(logins.COOKIE_NAME)
    if not token:
        return None
    factory: Any = request.app.state.session_factory
    db: Session
    with factory() as db:
        login = logins.find(db, token, request.app.state.clock())
        user = login.user if login else None
        db.commit()
        return user
