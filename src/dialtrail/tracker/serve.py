"""``GET /s/{public_key}.js``: the insertion script with the project's configuration injected;
``GET /s/{public_key}/check.js``: the browser's expression parser, fetched by the script on demand.

The script is minified once per process (tdewolff/minify: whitespace, comments and the
script's own names), the configuration is appended by string replacement, and each distinct
result is gzipped once and kept, so a page load costs two small queries and a dictionary
lookup. The configuration carries each entity's value parsed by the server (``Node.to_json``),
so the always-loaded script needs no parser: that is check.js, the same for every project,
loaded only by ``dialtrail.check()`` and debugging.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import minify
import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dialtrail.entities.expressions import ExpressionError, parse_expression, parse_path
from dialtrail.entities.models import TrackingEntity
from dialtrail.projects.models import Project

SCRIPT = Path(__file__).parent / "static" / "dialtrail.js"
CHECK_SCRIPT = Path(__file__).parent / "static" / "check.js"
CONFIG_PLACEHOLDER = "/*DIALTRAIL_CONFIG*/null"
TEXTS_PLACEHOLDER = "/*DIALTRAIL_TEXTS*/{}"
CACHE_CONTROL = "public, max-age=300"  # entity changes reach visitors within five minutes
# The script's own defaults (session_timeout, ping_interval, activity_window, simple_retry_ms,
# max_value_length in dialtrail.js) are not repeated in the configuration: every byte of it is
# in the script's size budget. A project setting that differs would be added here.


@dataclass(frozen=True)
class ServedScript:
    body: bytes
    gzipped: bytes
    etag: str


# The minifier drops comments, so a placeholder becomes a name it leaves alone first.
CONFIG_SENTINEL = "__DIALTRAIL_CONFIG__"
TEXTS_SENTINEL = "__DIALTRAIL_TEXTS__"


@cache
def minified_template() -> str:
    """The script minified once per process. The call at its end, ``(window, document,
    CONFIG)``, names the page's globals, which a minifier never renames (only the names a
    script declares are its own)."""
    return minified_with_sentinel(SCRIPT, CONFIG_PLACEHOLDER, CONFIG_SENTINEL)


@cache
def minified_check_template() -> str:
    return minified_with_sentinel(CHECK_SCRIPT, TEXTS_PLACEHOLDER, TEXTS_SENTINEL)


def minified_with_sentinel(path: Path, placeholder: str, sentinel: str) -> str:
    source = path.read_text(encoding="utf-8")
    if placeholder not in source:
        raise RuntimeError(f"{path} lost its {placeholder} placeholder")
    return minified(source.replace(placeholder, sentinel))


# V8's explicit compile hint (Chromium 136 and later; other browsers read a comment): every
# function of the file is compiled eagerly, on a background thread while the file streams in,
# instead of one by one on the main thread at its first call. Measured with
# benchmarks/script.py: a fifth less main-thread time for the first page view.
COMPILE_HINT = "//# allFunctionsCalledOnLoad\n"


def minified(source: str) -> str:
    """Comments and whitespace removed, the script's own names shortened, expressions written
    shorter: about 10 % fewer gzipped bytes than a whitespace minifier plus renaming by hand;
    the compile hint first (the minifier would drop it as a comment)."""
    packed: str = minify.string("application/javascript", source)
    return COMPILE_HINT + packed


def check_script(texts: dict[str, str]) -> ServedScript:
    """check.js, the parser the script fetches on demand, with the texts of the project's
    entities by name (debugging parses them again in the browser; the script itself carries
    only their parsed forms)."""
    return render_check(json_text(texts))


def render_check(injected: str) -> ServedScript:
    return render_body(minified_check_template().replace(TEXTS_SENTINEL, injected))


def script_config(
    endpoint: str,
    entities: list[dict[str, str]],
    site_numbers: list[str],
    raw_js: bool,
    consent: str = "not_required",
    cookies: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What the script needs and nothing more (its size budget includes the configuration):
    entities as name, type and parsed form (their texts travel in check.js); site numbers as
    their parts; raw_js only when on; consent only when the script must wait for it
    (``required`` or ``cookieless``, docs/design.md §3); which analytics cookies to read
    (``ga4``: the stream, ``pk``: Matomo's site id) only when an integration names them."""
    config: dict[str, Any] = {
        "endpoint": endpoint,
        "entities": [script_entity(e["name"], e["type"], e["value"], raw_js) for e in entities],
        "numbers": [number_parts(number) for number in site_numbers],
    }
    if raw_js:
        config["raw_js"] = True
    if consent != "not_required":
        config["consent"] = consent
    return {**config, **(cookies or {})}


def script_entity(name: str, entity_type: str, value: str, raw_js: bool) -> dict[str, Any]:
    """An entity as the script gets it: ``ast`` is what the script evaluates. A value that no
    longer parses (saved under other rules) gets ``error`` instead, which the script reports as
    a parse error. The value's text is not sent: check.js carries it, for debugging."""
    return {"name": name, "type": entity_type, **parsed_form(entity_type, value, raw_js)}


@lru_cache(maxsize=4096)
def parsed_form(entity_type: str, value: str, raw_js: bool) -> dict[str, Any]:
    """``{"ast": …}`` or ``{"error": "… at position N"}``; cached, since every script request
    asks again (the result is only serialised, never changed)."""
    try:
        node = (
            parse_path(value)
            if entity_type == "simple"
            else parse_expression(value, allow_raw_js=raw_js)
        )
    except ExpressionError as error:
        return {"error": str(error)}
    return {"ast": node.to_json()}


def project_config(
    project: Project,
    entities: list[TrackingEntity],
    base_url: str,
    cookies: dict[str, str] | None = None,
) -> dict[str, Any]:
    return script_config(
        f"{base_url}/c/{project.public_key}",
        [{"name": e.name, "type": e.type, "value": e.value} for e in entities],
        list(project.site_numbers),
        project.allow_raw_js,
        project.consent,
        cookies,
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
    return json_text(config)


def json_text(value: Any) -> str:
    # "</" is escaped so the text can never close a surrounding <script> element.
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")


def render(injected: str) -> ServedScript:
    return render_body(minified_template().replace(CONFIG_SENTINEL, injected))


def render_body(text: str) -> ServedScript:
    body = text.encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return ServedScript(body, gzip.compress(body, compresslevel=9, mtime=0), etag)


AnalyticsCookies = Callable[[Session, Project], dict[str, str]]


class ScriptServer:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        base_url: str,
        analytics_cookies: AnalyticsCookies = lambda db, project: {},
    ) -> None:
        self.sessions = sessions
        self.base_url = base_url
        # Which analytics cookies to read is the integrations' (a layer beside this one): the
        # app passes webhooks/integrations/service.analytics_cookies.
        self.analytics_cookies = analytics_cookies
        self.rendered: dict[str, ServedScript] = {}

    def routes(self) -> list[Route]:
        return [
            Route("/s/{public_key}.js", self.serve, methods=["GET", "HEAD"]),
            Route("/s/{public_key}/check.js", self.serve_check, methods=["GET", "HEAD"]),
        ]

    async def serve(self, request: Request) -> Response:
        base_url = self.base_url or str(request.base_url).rstrip("/")
        key = request.path_params["public_key"]
        config = await run_in_threadpool(self.load_config, key, base_url)
        if config is None:
            return unknown_key(key)
        injected = config_text(config)
        return respond(request, self.rendered_once("script " + injected, lambda: render(injected)))

    async def serve_check(self, request: Request) -> Response:
        """check.js under the project's key, so that the script finds it next to itself and a
        mistyped key is a 404 here too."""
        key = request.path_params["public_key"]
        texts = await run_in_threadpool(self.load_texts, key)
        if texts is None:
            return unknown_key(key)
        injected = json_text(texts)
        return respond(
            request, self.rendered_once("check " + injected, lambda: render_check(injected))
        )

    def load_texts(self, public_key: str) -> dict[str, str] | None:
        with self.sessions() as db:
            project = db.scalar(select(Project).where(Project.public_key == public_key))
            if project is None:
                return None
            return {e.name: e.value for e in enabled_entities(db, project)}

    def load_config(self, public_key: str, base_url: str) -> dict[str, Any] | None:
        with self.sessions() as db:
            project = db.scalar(select(Project).where(Project.public_key == public_key))
            if project is None:
                return None
            cookies = self.analytics_cookies(db, project)
            return project_config(project, enabled_entities(db, project), base_url, cookies)

    def rendered_once(self, key: str, make: Callable[[], ServedScript]) -> ServedScript:
        """The script or check.js for one configuration, minified and gzipped once."""
        script = self.rendered.get(key)
        if script is None:
            if len(self.rendered) > 10_000:  # bounded: one entry per distinct configuration
                self.rendered.clear()
            script = self.rendered[key] = make()
        return script


def enabled_entities(db: Session, project: Project) -> list[TrackingEntity]:
    query = (
        select(TrackingEntity)
        .where(TrackingEntity.project_id == project.id, TrackingEntity.enabled.is_(True))
        .order_by(TrackingEntity.id)
    )
    return list(db.scalars(query))


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
