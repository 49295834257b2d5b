"""Sending events to the collector the way the insertion script does (text/plain JSON)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from dialtrail.projects.models import Project
from tests.support.clients import post
from tests.support.databases import Database


def client_id() -> str:
    return secrets.token_urlsafe(16)


def public_key(database: Database, project_id: int) -> str:
    with database.session() as session:
        key = session.scalar(select(Project.public_key).where(Project.id == project_id))
    assert key is not None
    return key


@dataclass
class Visit:
    """One browser's visit: fixed visitor and session ids, a new page-view id per page."""

    base_url: str
    key: str
    origin: str = "https://shop.example.com"
    visitor: str = field(default_factory=client_id)
    session: str = field(default_factory=client_id)
    page_view: str = field(default_factory=client_id)

    def post(self, kind: str, body: Any, **headers: str) -> httpx.Response:
        sent = {"Origin": self.origin, "Content-Type": "text/plain;charset=UTF-8", **headers}
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        # The suite's shared TLS context: httpx.post alone builds one per request (~18 ms of
        # CPU), which starved the streams of the kill tests on a busy machine.
        return post(f"{self.base_url}/c/{self.key}/{kind}", content=content, headers=sent)

    def page(
        self, url: str, values: dict[str, str | None] | None = None, **extra: Any
    ) -> httpx.Response:
        self.page_view = client_id()
        body = {**self.ids(), "url": url, "title": "A page", "values": values or {}, **extra}
        return self.post("pageview", body)

    def ping(self, values: dict[str, str | None] | None = None, **extra: Any) -> httpx.Response:
        return self.post("ping", {**self.ids(), "values": values or {}, **extra})

    def errors(
        self, errors: list[dict[str, str]], url: str = "https://shop.example.com/"
    ) -> httpx.Response:
        return self.post("errors", {**self.ids(), "url": url, "errors": errors})

    def ids(self) -> dict[str, str]:
        return {"visitor": self.visitor, "session": self.session, "page_view": self.page_view}
