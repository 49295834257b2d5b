from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page

from dialtrail.app import create_app
from tests.support.admin import signed_in
from tests.support.databases import Database
from tests.support.people import World, declare_entity
from tests.support.receiver import Receiver, receiving
from tests.support.server import serve


class SignedIn:
    """A browser-like client signed in to the admin UI, and the CSRF token of its forms."""

    def __init__(self, client: httpx.Client, csrf: str, project_id: int) -> None:
        self.client = client
        self.csrf = csrf
        self.project = f"/admin/projects/{project_id}"

    def post(self, path: str, **fields: str) -> httpx.Response:
        return self.client.post(path, data={"csrf_token": self.csrf, **fields})


@pytest.fixture
def owner(world: World) -> Iterator[SignedIn]:
    client, csrf = signed_in(world.base_url, world.owner.email)
    yield SignedIn(client, csrf, world.project_id)
    client.close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked_server(database: Database, clock: Clock) -> Iterator[str]:
    """A server of its own whose time the test moves (and whose login throttle is fresh)."""
    with serve(create_app(database.settings, database.engine, clock=clock)) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def visit_id(world: World) -> None:
    """The seed's entity, for pages that map or show it."""
    declare_entity(world, name="visit_id")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A CRM stand-in on a free port, recording what it receives."""
    with receiving() as running:
        yield running
