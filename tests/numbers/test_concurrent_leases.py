"""200 new sessions at once against a 100-number pool: exactly 100 numbers leased, each to one
session, none doubled — in one server, and in two server processes sharing one database."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import httpx
from sqlalchemy import select

from dialtrail.app import create_app
from dialtrail.numbers.models import NumberLease, TrackingNumber
from dialtrail.projects.models import Project
from tests.support.collector import client_id
from tests.support.databases import Database
from tests.support.processes import database_url, serving
from tests.support.server import serve

POOL_SIZE = 100
SESSIONS = 200
# All 200 sessions come from 127.0.0.1: neither the rate limit nor the cap on leases per
# network may be what refuses them.
GENEROUS_RATE = {
    "DIALTRAIL_COLLECTOR_RATE": "100000",
    "DIALTRAIL_COLLECTOR_BURST": "100000",
    "DIALTRAIL_LEASES_PER_NETWORK": "0",
}


def pool_project(database: Database) -> str:
    with database.session() as db:
        project = Project(name="Busy", public_key=client_id())
        db.add(project)
        db.flush()
        db.add_all(
            TrackingNumber(project_id=project.id, number=f"+38044200{index:04d}", kind="pool")
            for index in range(POOL_SIZE)
        )
        db.commit()
        return project.public_key


def open_sessions_at_once(base_urls: list[str], key: str) -> list[str]:
    def page_view(base_url: str) -> str:
        body = {
            "visitor": client_id(),
            "session": client_id(),
            "page_view": client_id(),
            "url": "https://shop.example.com/",
        }
        response = httpx.post(
            f"{base_url}/c/{key}/pageview",
            content=json.dumps(body),
            headers={"Content-Type": "text/plain", "Origin": "https://shop.example.com"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        number: str = response.json()["number"]
        return number

    targets = [url for url, _ in zip(cycle(base_urls), range(SESSIONS), strict=False)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        return list(pool.map(page_view, targets))


def assert_exactly_one_session_per_free_number(database: Database, shown: list[str]) -> None:
    with database.session() as db:
        leases = db.execute(
            select(NumberLease.number_id, NumberLease.session_id, NumberLease.shared).where(
                NumberLease.released_at.is_(None)
            )
        ).all()
    exclusive = [number for number, _, shared in leases if not shared]
    assert len(exclusive) == POOL_SIZE
    assert len(set(exclusive)) == POOL_SIZE  # none doubled
    assert Counter(session for _, session, _ in leases).most_common(1)[0][1] == 1
    assert len(leases) == SESSIONS  # the other 100 share (reuse_oldest)
    assert len(set(shown)) == POOL_SIZE


def test_one_server_leases_each_number_once(database: Database) -> None:
    key = pool_project(database)
    settings = database.settings.replace(
        collector_rate=100000.0, collector_burst=100000, leases_per_network=0
    )
    with serve(create_app(settings, database.engine)) as base_url:
        shown = open_sessions_at_once([base_url], key)
    assert_exactly_one_session_per_free_number(database, shown)


def test_two_server_processes_lease_each_number_once(database: Database) -> None:
    key = pool_project(database)
    environment = {"DIALTRAIL_DATABASE_URL": database_url(database), **GENEROUS_RATE}
    with serving(environment) as first, serving(environment) as second:
        shown = open_sessions_at_once([first, second], key)
    assert_exactly_one_session_per_free_number(database, shown)
