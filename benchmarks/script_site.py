"""The site that benchmarks/script.py loads in Chromium, on one local HTTP server: the same page
with the insertion script, with the floor script (benchmarks/script_floor.js: the least any call
tracker does) and without either, the script as GET /s/{key}.js serves it, and the
collector's endpoints (a page view is answered with a tracking number, so the script replaces
the site's numbers as it would on a real site). Every request is noted with the sample it
belongs to, so that the benchmark can check what each page really loaded."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from tests.support.served_script import PAGE_BODY_PARTS, PAGE_STATE, served

from dialtrail.tracker.serve import ServedScript

WITH_SCRIPT = "/page-with-script"
WITHOUT_SCRIPT = "/page-without-script"
WITH_FLOOR = "/page-with-floor"
PUBLIC_KEY = "3HZvN7AezYZaxluc"
SCRIPT_PATH = f"/s/{PUBLIC_KEY}.js"
FLOOR_PATH = "/floor.js"
FLOOR_SCRIPT = Path(__file__).parent / "script_floor.js"
COLLECTOR_PATH = f"/c/{PUBLIC_KEY}"
# The page view's answer: a number of the same country as the page's, which the script puts in
# place of "+1 (212) 555-0123" and of the tel: link.
TRACKING_NUMBER = "+12125550199"
TRACKING_NUMBER_AS_SHOWN = "555-0199"
SITE_NUMBER_AS_SHOWN = "555-0123"  # the floor script replaces this spelling only

# A shop page: the state the 20 entities read, the site's numbers in the header (a tel: link)
# and the footer, and some text for the number search to walk. Both pages are the same bytes
# but for the script tag.
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
{state}{script}</head><body>
<header><a href="tel:+12125550123">+1 (212) 555-0123</a></header>
{parts}
<main>{paragraphs}</main>
<footer>Kyiv: 044 111 22 33</footer>
</body></html>"""
PARAGRAPH = (
    "<section><h2>Product {n}</h2><p>A sturdy thing, shipped in two days, returned within "
    "thirty. <a href='/product/{n}'>Details</a> <span class='price'>{n}9.00</span></p></section>"
)


@dataclass(frozen=True)
class Noted:
    """One request the server answered: its method and path, and the sample it belongs to
    (from its own query, or from the Referer of what a page requested)."""

    method: str
    path: str
    sample: str | None


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SiteHandler)
        self.base_url = f"http://127.0.0.1:{self.server_port}"
        self.script: ServedScript = served(self.base_url + COLLECTOR_PATH)
        self.floor = floor_script(self.base_url + COLLECTOR_PATH)
        self.noted: list[Noted] = []
        self.lock = threading.Lock()

    def note(self, noted: Noted) -> None:
        with self.lock:
            self.noted.append(noted)

    def requests_of(self, sample: str) -> list[Noted]:
        with self.lock:
            return [noted for noted in self.noted if noted.sample == sample]

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, daemon=True).start()


def floor_script(endpoint: str) -> bytes:
    source = FLOOR_SCRIPT.read_text(encoding="utf-8")
    replaced = {
        "__ENDPOINT__": endpoint,
        "__SITE_NUMBER__": SITE_NUMBER_AS_SHOWN,
        "__SHOWN_AS__": TRACKING_NUMBER_AS_SHOWN,
    }
    for placeholder, value in replaced.items():
        source = source.replace(placeholder, value)
    return source.encode()


def page(script_path: str | None) -> bytes:
    tag = f'<script src="{script_path}"></script>' if script_path else ""
    paragraphs = "\n".join(PARAGRAPH.format(n=n) for n in range(1, 31))
    html = PAGE.format(state=PAGE_STATE, script=tag, parts=PAGE_BODY_PARTS, paragraphs=paragraphs)
    return html.encode()


PAGES = {
    WITH_SCRIPT: page(SCRIPT_PATH),
    WITHOUT_SCRIPT: page(None),
    WITH_FLOOR: page(FLOOR_PATH),
}


def sample_of(url: str) -> str | None:
    found = parse_qs(urlsplit(url).query).get("sample")
    return found[0] if found else None


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def site(self) -> SiteServer:
        return cast(SiteServer, self.server)

    def note(self) -> str:
        path = urlsplit(self.path).path
        sample = sample_of(self.path) or sample_of(self.headers.get("Referer") or "")
        self.site.note(Noted(self.command, path, sample))
        return path

    def do_GET(self) -> None:
        path = self.note()
        if path in PAGES:
            self.answer(200, "text/html; charset=utf-8", PAGES[path])
        elif path == SCRIPT_PATH:
            self.answer_script()
        elif path == FLOOR_PATH:
            self.answer(200, "application/javascript", self.site.floor)
        else:
            self.answer(404, "text/plain", b"not here")

    def answer_script(self) -> None:
        script = self.site.script
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            self.answer(200, "application/javascript", script.gzipped, {"Content-Encoding": "gzip"})
        else:
            self.answer(200, "application/javascript", script.body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.note()
        if path == f"{COLLECTOR_PATH}/pageview":
            self.answer(200, "application/json", b'{"number":"%s"}' % TRACKING_NUMBER.encode())
        elif path in (f"{COLLECTOR_PATH}/ping", f"{COLLECTOR_PATH}/errors"):
            self.answer(200, "application/json", b"{}")
        else:
            self.answer(404, "text/plain", b"not here")

    def answer(
        self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
