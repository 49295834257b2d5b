"""The admin UI as one ASGI app, mounted at /admin by dialtrail.app.

Its own error handlers answer with pages, not the API's JSON: a signed-out visitor is sent to
the sign-in page, a refused form gets a 403 page, and a project that is not the user's is a
404 page, exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from dialtrail.admin import (
    account,
    ads_conversions,
    calls,
    entities,
    installation,
    integrations,
    members,
    numbers,
    passwords,
    pbx_settings,
    project_settings,
    reports,
    sessions,
    signin,
    webhook_deliveries,
    webhooks,
)
from dialtrail.admin.auth import CsrfRefused, NotFound, SignInRequired
from dialtrail.admin.rendering import redirect, render
from dialtrail.admin.throttle import LoginThrottle
from dialtrail.api.errors import ApiError
from dialtrail.secrets import SecretBox, UnreadableSecret, derived_key, secret_key
from dialtrail.settings import Settings

SECTION_ROUTERS = (
    signin.router,
    entities.router,
    numbers.router,
    sessions.router,
    calls.router,
    reports.router,
    integrations.router,
    webhooks.router,
    webhook_deliveries.router,
    ads_conversions.router,
    installation.router,
    project_settings.router,
    pbx_settings.router,
    members.router,
)


def create_admin(
    settings: Settings,
    session_factory: sessionmaker[Session],
    clock: Callable[[], datetime],
) -> FastAPI:
    admin = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    admin.state.settings = settings
    admin.state.session_factory = session_factory
    admin.state.clock = clock
    admin.state.csrf_key = derived_key(secret_key(settings), "csrf")
    admin.state.throttle = LoginThrottle(clock)
    admin.state.flash_box = SecretBox(secret_key(settings))
    admin.mount("/static", StaticFiles(packages=[("dialtrail.admin", "static")]), name="static")
    for router in (*SECTION_ROUTERS, account.router, passwords.router):
        admin.include_router(router)
    install_error_pages(admin)
    return admin


def install_error_pages(admin: FastAPI) -> None:
    admin.add_exception_handler(SignInRequired, to_sign_in)
    admin.add_exception_handler(CsrfRefused, csrf_refused)
    admin.add_exception_handler(NotFound, not_found)
    admin.add_exception_handler(ApiError, api_error)
    admin.add_exception_handler(UnreadableSecret, unreadable_secret)
    admin.add_exception_handler(RequestValidationError, not_found)
    admin.add_exception_handler(StarletteHTTPException, http_error)


async def to_sign_in(request: Request, error: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/admin/"
    return redirect(request, "/admin/login?next=" + quote(target, safe="/"))


async def csrf_refused(request: Request, error: Exception) -> Response:
    message = (
        "This form was not sent from a page of this Dialtrail, or the page is too old "
        "(you signed out or in since it was opened). Nothing was changed. Go back, reload "
        "the page and send the form again."
    )
    return error_page(request, 403, "Form refused", message)


async def not_found(request: Request, error: Exception) -> Response:
    return error_page(request, 404, "Not found", "There is no such page, or it is not yours.")


async def api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    if error.status == 404:
        return await not_found(request, error)
    title = "Not allowed" if error.status == 403 else "Cannot do that"
    return error_page(request, error.status, title, error.message)


async def unreadable_secret(request: Request, error: Exception) -> Response:
    return error_page(request, 409, "Cannot do that", str(error))


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404:
        return await not_found(request, error)
    return error_page(request, error.status_code, "Cannot do that", str(error.detail))


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    request.state.login_token = None  # an error page never extends a session
    return render(request, "error.html", status, title=title, message=message)
