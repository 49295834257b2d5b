"""``GET /demo/{public_key}/…``: the demo pages with the project's snippet filled in."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

PAGES = Path(__file__).parent / "pages"
PAGE_NAMES = {"": "index.html", "index.html": "index.html", "contacts.html": "contacts.html"}
KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def demo_page(request: Request) -> Response:
    key = request.path_params["public_key"]
    page = PAGE_NAMES.get(request.path_params.get("page", ""), "index.html")
    if not KEY.match(key):
        return HTMLResponse("<p>Not a project key.</p>", status_code=404)
    html = (PAGES / page).read_text(encoding="utf-8").replace("{{PUBLIC_KEY}}", key)
    return HTMLResponse(html)


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
