"""``GET /demo/{public_key}/…``: the demo pages with the project's snippet filled in, and the
GA4 stream and Matomo site of its example analytics cookies: those the project's integrations
name (the script reads those, webhooks/integrations/service.analytics_cookies), else
``DEMO0STREAM`` and site 1."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dialtrail.projects.models import Project
from dialtrail.webhooks.integrations import service as integrations

PAGES = Path(__file__).parent / "pages"
PAGE_NAMES = {"": "index.html", "index.html": "index.html", "contacts.html": "contacts.html"}
KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def demo_page(request: Request) -> Response:
    key = request.path_params["public_key"]
    page = PAGE_NAMES.get(request.path_params.get("page", ""), "index.html")
    if not KEY.match(key):
        return HTMLResponse("<p>Not a project key.</p>", status_code=404)
    cookies = await run_in_threadpool(analytics_cookies, request, key)
    html = (
        (PAGES / page)
        .read_text(encoding="utf-8")
        .replace("{{PUBLIC_KEY}}", key)
        .replace("{{GA4_STREAM}}", cookies.get("ga4", "DEMO0STREAM"))
        .replace("{{MATOMO_SITE}}", cookies.get("pk", "1"))
    )
    return HTMLResponse(html)


def analytics_cookies(request: Request, key: str) -> dict[str, str]:
    with request.app.state.session_factory() as db:
        project = db.scalar(select(Project).where(Project.public_key == key))
        return integrations.analytics_cookies(db, project) if project else {}


async def add_slash(request: Request) -> Response:
    # Relative links of the pages ("./contacts.html") need the trailing slash.
    return RedirectResponse(f"/demo/{request.path_params['public_key']}/")


def routes() -> list[Route]:
    # Any other path below the project (such as the SPA view's /offer) shows the home page,
    # as an SPA's server would.
    return [
        Route("/demo/{public_key}", add_slash),
        Route("/demo/{public_key}/", demo_page),
        Route("/demo/{public_key}/{page:path}", demo_page),
    ]
