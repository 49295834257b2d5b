"""/api/docs: Swagger UI served from this server, so the page works without internet access
and runs no third-party script on our origin.

Swagger UI's files come from the installed ``fastapi-swagger`` package (located with
importlib.resources, never copied into the repository); the page and its initialiser
(static/docs.js) are ours, because FastAPI's page starts Swagger UI with an inline script,
which the admin's Content-Security-Policy (api/browser_policy.py) refuses. Files are read,
gzipped and hashed once per process, and answered with an ETag (304 when unchanged).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from dialtrail.api.browser_policy import SECURITY_HEADERS

DOCS_PATH = "/api/docs"
SWAGGER_UI = "fastapi_swagger"
JAVASCRIPT = "text/javascript"
# name → (package holding it, path inside the package, media type)
ASSETS = {
    "swagger-ui-bundle.js": (SWAGGER_UI, "resources/swagger-ui-bundle.js", JAVASCRIPT),
    "swagger-ui.css": (SWAGGER_UI, "resources/swagger-ui.css", "text/css"),
    "favicon-32x32.png": (SWAGGER_UI, "resources/favicon-32x32.png", "image/png"),
    "docs.js": ("dialtrail.api", "static/docs.js", JAVASCRIPT),
}
# Revalidated each time (a cheap 304): the files change when the package is upgraded.
ASSET_CACHE_CONTROL = "no-cache"


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None  # None for what does not shrink (PNG)
    etag: str
    media_type: str


def docs_routes(title: str, openapi_url: str) -> list[Route]:
    page = docs_page(title, openapi_url)

    async def serve_page(request: Request) -> Response:
        return HTMLResponse(page, headers=SECURITY_HEADERS)

    return [
        Route(DOCS_PATH, serve_page, methods=["GET", "HEAD"]),
        Route(DOCS_PATH + "/{name}", serve_asset, methods=["GET", "HEAD"]),
    ]


def docs_page(title: str, openapi_url: str) -> str:
    base = DOCS_PATH
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} API</title>
<link rel="stylesheet" href="{base}/swagger-ui.css">
<link rel="icon" type="image/png" href="{base}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{base}/swagger-ui-bundle.js"></script>
<script src="{base}/docs.js"></script>
</body>
</html>
"""


async def serve_asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        return Response("no such file\n", status_code=404, media_type="text/plain")
    asset = loaded_asset(name)
    headers = {"ETag": asset.etag, "Cache-Control": ASSET_CACHE_CONTROL, "Vary": "Accept-Encoding"}
    headers["X-Content-Type-Options"] = "nosniff"
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=asset.media_type, headers=headers)


@cache
def loaded_asset(name: str) -> Asset:
    package, path, media_type = ASSETS[name]
    body = resources.files(package).joinpath(path).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    compressible = media_type.startswith("text/")
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if compressible else None
    return Asset(body, gzipped, etag, media_type)
