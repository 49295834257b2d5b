"""Pages and redirects: Jinja2 with autoescape, security headers, the sliding login cookie.

Every admin answer is made here, so every one carries the same headers and refreshes the
sign-in cookie the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import phonenumbers
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from dialtrail.admin import logins
from dialtrail.admin.sections import groups
from dialtrail.api.browser_policy import SECURITY_HEADERS

AnyResponse = TypeVar("AnyResponse", bound=Response)


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


def local_time(moment: datetime | str | None, timezone: str) -> str:
    """A moment in the project's time zone (pages say which zone in their headings)."""
    if isinstance(moment, str):  # a snapshot's time, stored as ISO 8601 text in JSON
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return str(moment)
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S")


def plural(count: int, noun: str) -> str:
    """ "1 call", "0 calls", "2 calls": the English nouns the admin counts take an s."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def phone(number: str | None) -> str:
    """An E.164 number as people read it, +1 201-555-0123 (stored and sent as E.164)."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def is_web_url(value: object) -> bool:
    """Visitor-supplied URLs become links only when they are http(s): never javascript:,
    data: or anything else a browser would run or open in our origin."""
    if not isinstance(value, str):
        return False
    return urlsplit(value.strip()).scheme.lower() in ("http", "https")


def build_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("dialtrail.admin", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = when
    environment.filters["local"] = local_time
    environment.filters["plural"] = plural
    environment.filters["phone"] = phone
    environment.tests["web_url"] = is_web_url
    environment.globals["section_groups"] = groups()
    return environment


templates = build_environment()


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("admin", None)
    context.setdefault("project", None)
    context.setdefault("section", None)
    context.setdefault("notices", context["admin"].take_notices() if context["admin"] else [])
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
