"""A tiny real HTTP server for the insertion script's browser tests.

It serves a folder of fixture pages and, at ``/dialtrail.js``, the real script exactly as
``GET /s/{key}.js`` serves it (minified, names shortened) with a test's configuration injected;
entities given by value are parsed as the server does (``script_entity``), entities that carry
their own ``ast`` or ``error`` are sent as they are. ``/dialtrail/check.js`` is the parser, as
``GET /s/{key}/check.js`` serves it.
It records what the script POSTs and answers like the collector (``{"number": …}``), or with the
statuses a test queued for an event (503, 404 …), and adds response headers that a test
registers for one path, such as a strict Content-Security-Policy.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dialtrail.tracker.serve import check_script, config_text, render, script_entity

# Nothing listens on port 9 (and Chromium refuses it): every send fails, as when a visitor's
# network drops; the script must swallow that.
UNREACHABLE_ENDPOINT = "http://127.0.0.1:9/c/KEY"
BODY_LIMIT = 8192  # the collector's cap: larger bodies get 413


@dataclass
class Post:
    path: str
    content_type: str
    body: Any  # the decoded JSON
    status: int = 200  # what the fake collector answered
    size: int = 0  # bytes


@dataclass
class StaticSite:
    base_url: str = ""
    config: dict[str, Any] | None = None  # injected into /dialtrail.js; None serves null
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # "/page.html?x" → headers
    answer: dict[str, Any] = field(default_factory=lambda: {"number": None})
    posts: list[Post] = field(default_factory=list)
    statuses: dict[str, list[int]] = field(default_factory=dict)  # "ping" → [404], answered first
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.config = None
            self.headers = {}
            self.answer = {"number": None}
            self.posts = []
            self.statuses = {}

    def script(self) -> bytes:
        return render("null" if self.config is None else config_text(served(self.config))).body

    def record(self, path: str, content_type: str, body: bytes) -> int:
        """Keeps the post; the status to answer: the next one queued for its event, or 200."""
        with self.lock:
            queued = self.statuses.get(path.rsplit("/", 1)[-1], [])
            status = queued.pop(0) if queued else 413 if len(body) > BODY_LIMIT else 200
            self.posts.append(Post(path, content_type, json.loads(body), status, len(body)))
            return status

    def received(self, kind: str) -> list[Any]:
        """The bodies POSTed to ``…/{kind}`` (pageview, ping, errors) and answered with a 2xx,
        oldest first."""
        return [post.body for post in self.sent(kind) if post.status < 300]

    def sent(self, kind: str) -> list[Post]:
        with self.lock:
            return [post for post in self.posts if post.path.endswith("/" + kind)]


def served(config: dict[str, Any]) -> dict[str, Any]:
    """The configuration with each entity as the server sends it: with its parsed form and
    without its text (which check.js carries)."""
    raw_js = bool(config.get("raw_js"))
    entities = [
        {key: value for key, value in entity.items() if key != "value"}
        if "ast" in entity or "error" in entity
        else script_entity(entity["name"], entity["type"], entity["value"], raw_js)
        for entity in config.get("entities", [])
    ]
    return {**config, "entities": entities}


class _Handler(SimpleHTTPRequestHandler):
    site: StaticSite  # set on the subclass made for each server

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def end_headers(self) -> None:
        for name, value in self.site.headers.get(self.path, {}).items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/dialtrail.js":
            self.respond("application/javascript", self.site.script())
        elif path == "/dialtrail/check.js":
            texts = {e["name"]: e["value"] for e in (self.site.config or {}).get("entities", [])}
            self.respond("application/javascript", check_script(texts).body)
        else:
            super().do_GET()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        status = self.site.record(path, self.headers.get("Content-Type", ""), body)
        if status != 200:
            self.respond("application/json", b'{"error":"refused"}', status)
        elif path.endswith("/pageview"):
            self.respond("application/json", json.dumps(self.site.answer).encode())
        else:
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def respond(self, content_type: str, body: bytes, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve_folder(root: Path) -> Iterator[StaticSite]:
    """Serves ``root`` on a free loopback port until the block ends."""
    site = StaticSite()
    handler = type("Handler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.base_url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
