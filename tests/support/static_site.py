"""A tiny real HTTP server for the insertion script's browser tests.

It serves a folder of fixture pages and, at ``/dialtrail.js``, the real script with a test's
configuration injected where the Dialtrail server injects it (then minified, as it is served).
It records what the script POSTs and answers like the collector (``{"number": …}``), and adds
response headers that a test registers for one path, such as a strict Content-Security-Policy.
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

from rjsmin import jsmin

import dialtrail.tracker

SCRIPT = Path(dialtrail.tracker.__file__).parent / "static" / "dialtrail.js"
PLACEHOLDER = "/*DIALTRAIL_CONFIG*/null"
# Nothing listens on port 9 (and Chromium refuses it): every send fails, as when a visitor's
# network drops; the script must swallow that.
UNREACHABLE_ENDPOINT = "http://127.0.0.1:9/c/KEY"


@dataclass
class Post:
    path: str
    content_type: str
    body: Any  # the decoded JSON


@dataclass
class StaticSite:
    base_url: str = ""
    config: dict[str, Any] | None = None  # injected into /dialtrail.js; None serves null
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # "/page.html?x" → headers
    answer: dict[str, Any] = field(default_factory=lambda: {"number": None})
    posts: list[Post] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.config = None
            self.headers = {}
            self.answer = {"number": None}
            self.posts = []

    def script(self) -> bytes:
        injected = json.dumps(self.config).replace("</", "<\\/")
        source = SCRIPT.read_text(encoding="utf-8")
        assert PLACEHOLDER in source, f"{SCRIPT} lost its {PLACEHOLDER} placeholder"
        return str(jsmin(source.replace(PLACEHOLDER, injected))).encode()

    def record(self, path: str, content_type: str, body: bytes) -> None:
        with self.lock:
            self.posts.append(Post(path, content_type, json.loads(body)))

    def received(self, kind: str) -> list[Any]:
        """The bodies POSTed to ``…/{kind}`` (pageview, ping, errors), oldest first."""
        return [post.body for post in self.sent(kind)]

    def sent(self, kind: str) -> list[Post]:
        with self.lock:
            return [post for post in self.posts if post.path.endswith("/" + kind)]


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
        if urlsplit(self.path).path == "/dialtrail.js":
            self.respond("application/javascript", self.site.script())
        else:
            super().do_GET()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.site.record(urlsplit(self.path).path, self.headers.get("Content-Type", ""), body)
        self.respond("application/json", json.dumps(self.site.answer).encode())

    def respond(self, content_type: str, body: bytes) -> None:
        self.send_response(200)
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
