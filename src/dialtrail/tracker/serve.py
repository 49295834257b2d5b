"""``GET /s/{public_key}.js``: the insertion script with the project's configuration injected.

The script is minified once per process (rjsmin, then its own names shortened), the
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

import phonenumbers
import rjsmin
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dialtrail.entities.models import TrackingEntity
from dialtrail.projects.models import Project
from dialtrail.tracker.mangle import mangle

SCRIPT = Path(__file__).parent / "static" / "dialtrail.js"
CONFIG_PLACEHOLDER = "/*DIALTRAIL_CONFIG*/null"
CACHE_CONTROL = "public, max-age=300"  # entity changes reach visitors within five minutes
# The script's own defaults (session_timeout, ping_interval, activity_window, simple_retry_ms,
# max_value_length in dialtrail.js) are not repeated in the configuration: every byte of it is
# in the script's size budget. A project setting that differs would be added here.


@dataclass(frozen=True)
class ServedScript:
    body: bytes
    gzipped: bytes
    etag: str


# The minifier drops comments, so the placeholder becomes a name it leaves alone first.
CONFIG_SENTINEL = "__DIALTRAIL_CONFIG__"


@cache
def minified_template() -> str:
    """The script minified (rjsmin) and its own names shortened (mangle.py), once per process.
    The call at its end, ``(window, document, CONFIG)``, names the page's globals: not renamed."""
    source = SCRIPT.read_text(encoding="utf-8")
    if CONFIG_PLACEHOLDER not in source:
        raise RuntimeError(f"{SCRIPT} lost its {CONFIG_PLACEHOLDER} placeholder")
    minified: str = rjsmin.jsmin(source.replace(CONFIG_PLACEHOLDER, CONFIG_SENTINEL))
    function, _, call = minified.rpartition("})(")
    return mangle(function + "})") + "(" + call


def script_config(
    endpoint: str, entities: list[dict[str, str]], site_numbers: list[str], raw_js: bool
) -> dict[str, Any]:
    """What the script needs and nothing more (its size budget includes the configuration):
    entities as name, type and value; site numbers as their parts; raw_js only when on."""
    config: dict[str, Any] = {
        "endpoint": endpoint,
        "entities": [{key: e[key] for key in ("name", "type", "value")} for e in entities],
        "numbers": [number_parts(number) for number in site_numbers],
    }
    if raw_js:
        config["raw_js"] = True
    return config


def project_config(
    project: Project, entities: list[TrackingEntity], base_url: str
) -> dict[str, Any]:
    return script_config(
        f"{base_url}/c/{project.public_key}",
        [{"name": e.name, "type": e.type, "value": e.value} for e in entities],
        list(project.site_numbers),
        project.allow_raw_js,
    )


def number_parts(e164: str) -> dict[str, str]:
    """A site number as the script finds it in any spelling: country calling code, national
    (trunk) prefix and national significant number; "+380441112233" → 380, 0, 441112233."""
    number = phonenumbers.parse(e164)
    region = phonenumbers.region_code_for_number(number)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region) if region else None
    return {
        "cc": str(number.country_code),
        "trunk": (metadata.national_prefix if metadata else None) or "",
        "nsn": phonenumbers.national_significant_number(number),
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
            return project_config(project, list(db.scalars(query)), base_url)

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
