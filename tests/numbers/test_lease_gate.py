"""No numbers for obvious bots, and at most DIALTRAIL_LEASES_PER_NETWORK live leases per client
network (a /24 of IPv4, a /64 of IPv6): such sessions see the default number, and the pool's
usage counts them as refused."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from dialtrail.app import create_app
from dialtrail.collector import store
from dialtrail.numbers import leasing
from dialtrail.numbers.gate import LeaseGate, client_network, is_bot
from dialtrail.numbers.models import NumberLease, PoolUsage
from dialtrail.numbers.usage import usage_of
from dialtrail.projects.models import Project
from tests.numbers.test_lease_numbers import SITE_NUMBER, START, Browser, make_project
from tests.support.collector import client_id
from tests.support.databases import Database
from tests.support.server import serve

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
HEADLESS_CHROME = CHROME.replace("Chrome/", "HeadlessChrome/")
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
POOL = [f"+38044111{index:04d}" for index in range(8)]


@pytest.mark.parametrize(
    ("user_agent", "bot"),
    [
        (CHROME, False),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", False),
        (HEADLESS_CHROME, True),
        (GOOGLEBOT, True),
        ("python-httpx/0.28.1", True),
        ("curl/8.5.0", True),
        ("Mozilla/5.0 (Unknown; Linux x86_64) PhantomJS/2.1.1 Safari/538.1", True),
        ("", True),
    ],
)
def test_it_knows_obvious_bots_by_their_user_agent(user_agent: str, bot: bool) -> None:
    assert is_bot(user_agent) is bot


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.0/24"),
        ("not an address", None),
    ],
)
def test_it_counts_networks_by_24_and_64(address: str, network: str | None) -> None:
    assert client_network(address) == network


def test_bots_see_the_default_number_and_are_counted(database: Database) -> None:
    key = project_with_pool(database)
    settings = database.settings.replace(lease_to_bots=False)
    with serve(create_app(settings, database.engine)) as base_url:
        bots = (HEADLESS_CHROME, GOOGLEBOT)
        shown = {agent: number_shown(base_url, key, agent) for agent in bots}
        shown["httpx"] = number_shown(base_url, key, None)  # httpx's own User-Agent
        shown["chrome"] = number_shown(base_url, key, CHROME)

    assert shown == {HEADLESS_CHROME: SITE_NUMBER, GOOGLEBOT: SITE_NUMBER, "httpx": SITE_NUMBER,
                     "chrome": POOL[0]}  # fmt: skip
    with database.session() as db:
        assert len(db.scalars(select(NumberLease)).all()) == 1
        usage = db.scalars(select(PoolUsage)).one()
        assert (usage.refused_bots, usage.refused_network, usage.peak_sessions) == (3, 0, 1)


def test_a_network_holds_at_most_its_cap_of_live_leases(database: Database) -> None:
    project = gated_project(database, per_network=2)
    shown = [
        page_from(database, project, address)
        for address in ("203.0.113.5", "203.0.113.77", "203.0.113.200", "198.51.100.1")
    ]
    assert shown[:2] == POOL[:2]
    assert shown[2] == SITE_NUMBER  # the third of 203.0.113.0/24
    assert shown[3] == POOL[2]  # another network
    same_64 = ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2::3", "2001:db8:1:3::1")
    shown = [page_from(database, project, address) for address in same_64]
    assert shown == [POOL[3], POOL[4], SITE_NUMBER, POOL[5]]
    # Once those leases are over, the network gets numbers again.
    later = START + timedelta(minutes=10)
    assert page_from(database, project, "203.0.113.6", later) in POOL
    assert refused(database, project) == (0, 2)


def test_a_session_holding_a_number_keeps_it_whatever_the_cap(database: Database) -> None:
    project = gated_project(database, per_network=1)
    holder = Browser(database, project)
    first = holder_page(holder, "203.0.113.5")
    assert first == POOL[0]
    assert page_from(database, project, "203.0.113.6") == SITE_NUMBER
    assert holder_page(holder, "203.0.113.5", START + timedelta(minutes=1)) == first


def test_it_keeps_a_keyed_hash_of_the_network_not_the_address(database: Database) -> None:
    project = gated_project(database, per_network=5)
    page_from(database, project, "2001:db8:1:2::1")
    with database.session() as db:
        network = db.scalars(select(NumberLease.network)).one()
    assert network is not None
    assert len(network) == 32
    assert "2001" not in network
    assert "db8" not in network


def test_the_usage_reports_what_was_refused(database: Database) -> None:
    project = gated_project(database, per_network=1)
    page_from(database, project, "203.0.113.5")
    page_from(database, project, "203.0.113.6")
    with database.session() as db:
        found = db.get(Project, project.id)
        assert found is not None
        usage = usage_of(db, found, START + timedelta(minutes=1), 24)
    assert (usage.refused_bots, usage.refused_network, usage.hours[0].refused_network) == (0, 1, 1)


def project_with_pool(database: Database) -> str:
    project = make_project(database, POOL[:2])
    with database.session() as db:
        found = db.get(Project, project.id)
        assert found is not None
        return found.public_key


def gated_project(database: Database, per_network: int) -> store.ProjectContext:
    project = make_project(database, POOL)
    assert project.pool is not None
    gate = LeaseGate(lease_to_bots=False, per_network=per_network, network_secret=b"test key")
    pool = leasing.PoolSettings(
        project.pool.project_id,
        project.pool.hold_seconds,
        project.pool.on_pool_exhausted,
        project.pool.default_number,
        gate,
    )
    return store.ProjectContext(project.id, project.domains, project.entities, pool)


def page_from(
    database: Database, project: store.ProjectContext, address: str, at: datetime = START
) -> str | None:
    return holder_page(Browser(database, project), address, at)


def holder_page(browser: Browser, address: str, at: datetime = START) -> str | None:
    browser.client = store.Client(address, CHROME)
    return browser.page(at)


def refused(database: Database, project: store.ProjectContext) -> tuple[int, int]:
    with database.session() as db:
        rows = db.scalars(select(PoolUsage).where(PoolUsage.project_id == project.id)).all()
    return sum(row.refused_bots for row in rows), sum(row.refused_network for row in rows)


def number_shown(base_url: str, key: str, user_agent: str | None) -> str | None:
    headers = {"Content-Type": "text/plain", "Origin": "https://shop.example.com"}
    if user_agent is not None:
        headers["User-Agent"] = user_agent
    body = {"visitor": client_id(), "session": client_id(), "page_view": client_id(),
            "url": "https://shop.example.com/"}  # fmt: skip
    response = httpx.post(f"{base_url}/c/{key}/pageview", content=json.dumps(body),
                          headers=headers, timeout=30)  # fmt: skip
    assert response.status_code == 200, response.text
    number: str | None = response.json()["number"]
    return number
