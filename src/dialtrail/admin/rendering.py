"""Pages and redirects: Jinja2 with autoescape, security headers, the sliding login cookie.

Every admin answer is made here, so every one carries the same headers and refreshes the
sign-in cookie the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from dialtrail.admin import logins
from dialtrail.admin.sections import groups

AnyResponse = TypeVar("AnyResponse", bound=Response)

# Scripts and styles come only from /admin/static: even if a value escaped the escaping, the
# browser would refuse to run it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


def build_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("dialtrail.admin", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = when
    environment.globals["section_groups"] = groups()
    return environment


templates = build_environment()


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("admin", None)
    context.setdefault("project", None)
    context.setdefault("section", None)
    html = templates.get_template(template).render(request_path=request.url.path, **context)
    return finish(request, HTMLResponse(html, status_code=status))


def redirect(request: Request, url: str) -> RedirectResponse:
    # 303: the browser follows with GET, so reloading the next page never re-posts a form.
    return finish(request, RedirectResponse(url, status_code=303))


def finish(request: Request, response: AnyResponse) -> AnyResponse:
    response.headers.update(SECURITY_HEADERS)
    token = getattr(request.state, "login_token", None)
    if token:
        set_login_cookie(request, response, token)
    return response


def set_login_cookie(request: Request, response: Response, token: str) -> None:
    # Re-sent with each page so the browser's expiry slides along with the server's.
    response.set_cookie(
        logins.COOKIE_NAME,
        token,
        max_age=int(logins.LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )


def secure_cookies(request: Request) -> bool:
    public_url: str = request.app.state.settings.public_url
    return public_url.startswith("https://")
