"""``GET /s/{public_key}.js``: the insertion script with the project's configuration injected.

The script is minified once per process (comments and whitespace only, with rjsmin), the
configuration is appended by string replacement, and each distinct result is gzipped once and
kept, so a page load costs two small queries and a dictionary lookup.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import rjsmin
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dialtrail.entities.models import TrackingEntity
from dialtrail.projects.models import Project

SCRIPT = Path(__file__).parent / "static" / "dialtrail.js"
CONFIG_PLACEHOLDER = "/*DIALTRAIL_CONFIG*/null"
CACHE_CONTROL = "public, max-age=300"  # entity changes reach visitors within five minutes
TIMINGS = {
    "session_timeout": 1800,
    "ping_interval": 15,
    "activity_window": 15,
    "simple_retry_ms": 5000,
    "max_value_length": 1000,
}


@dataclass(frozen=True)
class ServedScript:
    body: bytes
    gzipped: bytes
    etag: str


# The minifier drops comments, so the placeholder becomes a name it leaves alone first.
CONFIG_SENTINEL = "__DIALTRAIL_CONFIG__"


@cache
def minified_template() -> str:
    source = SCRIPT.read_text(encoding="utf-8")
    if CONFIG_PLACEHOLDER not in source:
        raise RuntimeError(f"{SCRIPT} lost its {CONFIG_PLACEHOLDER} placeholder")
    minified: str = rjsmin.jsmin(source.replace(CONFIG_PLACEHOLDER, CONFIG_SENTINEL))
    return minified


def script_config(
    project: Project, entities: list[TrackingEntity], base_url: str
) -> dict[str, Any]:
    return {
        "key": project.public_key,
        "endpoint": f"{base_url}/c/{project.public_key}",
        "entities": [
            {"name": e.name, "type": e.type, "scope": e.scope, "value": e.value} for e in entities
        ],
        "raw_js": project.allow_raw_js,
        "numbers": list(project.site_numbers),
        "debug": False,
        **TIMINGS,
    }


def config_text(config: dict[str, Any]) -> str:
    # "</" is escaped so the configuration can never close a surrounding <script> element.
    return json.dumps(config, separators=(",", ":")).replace("</", "<\\/")


def render(injected: str) -> ServedScript:
    body = minified_template().replace(CONFIG_SENTINEL, injected).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return ServedScript(body, gzip.compress(body, compresslevel=9, mtime=0), etag)


class ScriptServer:
    def __init__(self, sessions: sessionmaker[Session], base_url: str) -> None:
        self.sessions = sessions
        self.base_url = base_url
        self.rendered: dict[str, ServedScript] = {}

    def routes(self) -> list[Route]:
        return [Route("/s/{public_key}.js", self.serve, methods=["GET", "HEAD"])]

    async def serve(self, request: Request) -> Response:
        base_url = self.base_url or str(request.base_url).rstrip("/")
        key = request.path_params["public_key"]
        config = await run_in_threadpool(self.load_config, key, base_url)
        if config is None:
            return unknown_key(key)
        return respond(request, self.rendered_for(config_text(config)))

    def load_config(self, public_key: str, base_url: str) -> dict[str, Any] | None:
        with self.sessions() as db:
            project = db.scalar(select(Project).where(Project.public_key == public_key))
            if project is None:
                return None
            query = (
                select(TrackingEntity)
                .where(TrackingEntity.project_id == project.id, TrackingEntity.enabled.is_(True))
                .order_by(TrackingEntity.id)
            )
            return script_config(project, list(db.scalars(query)), base_url)

    def rendered_for(self, injected: str) -> ServedScript:
        script = self.rendered.get(injected)
        if script is None:
            if len(self.rendered) > 10_000:  # bounded: one entry per distinct configuration
                self.rendered.clear()
            script = self.rendered[injected] = render(injected)
        return script


def respond(request: Request, script: ServedScript) -> Response:
    headers = {"ETag": script.etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == script.etag:
        return Response(status_code=304, headers=headers)
    body = script.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = script.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/javascript", headers=headers)


def unknown_key(key: str) -> Response:
    safe = "".join(c for c in key if c.isalnum() or c in "-_")[:64]
    body = (
        f"/* Dialtrail: no project has the key {safe!r}. Copy the snippet again from the "
        "project's Installation page. */\n"
    )
    return Response(body, status_code=404, media_type="application/javascript")
