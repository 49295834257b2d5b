"""The seed end to end, in Chromium: a site on its own origin, the real script and collector.

A page defines r7k12_si; the entity visit_id (expression, session scope, value r7k12_si)
exists; after the visit the session shows visit_id with the page's last non-empty value next to
the GA client id from _ga.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from playwright.sync_api import Browser, Page

from tests.support.collector import public_key
from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.people import World
from tests.support.receiver import receiving
from tests.support.static_site import StaticSite, serve_folder
from tests.support.waiting import wait_for

SHOP = Path(__file__).parent / "fixtures" / "shop"
SEED = {"name": "visit_id", "type": "expression", "scope": "session", "value": "r7k12_si"}


@pytest.fixture
def shop(world: World, database: Database, tmp_path: Path) -> Iterator[StaticSite]:
    """The fixture shop, its snippet pointing at the real Dialtrail server."""
    entities = f"/api/v1/projects/{world.project_id}/tracking-entities"
    assert world.owner.client.post(entities, json=SEED).status_code == 201
    key = public_key(database, world.project_id)
    for page in SHOP.iterdir():
        html = page.read_text().replace("{{DIALTRAIL}}", world.base_url).replace("{{KEY}}", key)
        (tmp_path / page.name).write_text(html)
    with serve_folder(tmp_path) as site:
        yield site


def sessions(world: World) -> list[dict[str, Any]]:
    response = world.owner.client.get(f"/api/v1/projects/{world.project_id}/sessions")
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def session_detail(world: World, session_id: str) -> dict[str, Any]:
    url = f"/api/v1/projects/{world.project_id}/sessions/{session_id}"
    detail: dict[str, Any] = world.owner.client.get(url).json()
    return detail


def test_the_session_shows_the_last_visit_id_next_to_the_ga_client_id(
    page: Page, world: World, shop: StaticSite
) -> None:
    page.goto(shop.base_url + "/index.html")
    page.wait_for_function("window.dialtrail && window.r7k12_si === 'visit-2'")
    session_id = page.evaluate("dialtrail.session().session")

    page.click("#contacts")  # pagehide re-reads visit_id and sends the change
    page.wait_for_load_state()

    detail = wait_for(
        lambda: (d := session_detail(world, session_id)).get("page_views") == 2 and d,
        "the second page view",
    )
    detail = wait_for(
        lambda: (
            (d := session_detail(world, session_id))["entities"].get("visit_id") == "visit-2" and d
        ),
        "visit_id to arrive",
    )
    assert detail["ga_client_id"] == "1111111111.2222222222"
    assert detail["entity_values"]["visit_id"]["page_url"] == shop.base_url + "/index.html"
    assert [view["url"] for view in detail["page_view_list"]] == [
        shop.base_url + "/index.html",
        shop.base_url + "/contacts.html",
    ]
    listed = sessions(world)
    assert [(item["id"], item["entities"]) for item in listed] == [
        (session_id, {"visit_id": "visit-2"})
    ]


def test_the_console_shows_what_the_page_holds(page: Page, world: World, shop: StaticSite) -> None:
    page.goto(shop.base_url + "/index.html")
    page.wait_for_function("window.dialtrail && window.r7k12_si === 'visit-2'")

    assert page.evaluate("dialtrail.entities()") == {"visit_id": "visit-2"}
    # check() fetches the parser from the real server, next to the script: /s/KEY/check.js
    assert page.evaluate("dialtrail.check('missing || r7k12_si')") == {"value": "visit-2"}
    state = page.evaluate("dialtrail.session()")
    assert state["ga_client_id"] == "1111111111.2222222222"
    assert len(state["session"]) >= 16
    assert wait_for(lambda: sessions(world), "the session")[0]["id"] == state["session"]


def test_spa_navigation_creates_page_views(page: Page, world: World, shop: StaticSite) -> None:
    page.goto(shop.base_url + "/index.html")
    page.wait_for_function("window.dialtrail && dialtrail.session().session")
    session_id = page.evaluate("dialtrail.session().session")

    page.click("#offer")

    detail = wait_for(
        lambda: (d := session_detail(world, session_id)).get("page_views") == 2 and d,
        "the SPA page view",
    )
    urls = [view["url"] for view in detail["page_view_list"]]
    assert urls == [shop.base_url + "/index.html", shop.base_url + "/offer"]
    assert detail["page_view_list"][1]["referrer"] == shop.base_url + "/index.html"


def test_a_31_minute_gap_starts_a_new_session(page: Page, world: World, shop: StaticSite) -> None:
    page.clock.install()
    page.goto(shop.base_url + "/index.html")
    page.wait_for_function("window.dialtrail && dialtrail.session().session")
    first = page.evaluate("dialtrail.session()")
    wait_for(lambda: sessions(world), "the first session")

    page.clock.fast_forward("31:00")
    page.click("#offer")

    second = wait_for(lambda: len(items := sessions(world)) == 2 and items, "a second session")
    state = page.evaluate("dialtrail.session()")
    assert state["session"] != first["session"]
    assert state["visitor"] == first["visitor"]
    assert {item["id"] for item in second} == {first["session"], state["session"]}
    assert {item["visitor_id"] for item in second} == {first["visitor"]}


def test_each_session_sees_its_own_leased_number_across_pages(
    browser: Browser, world: World, shop: StaticSite
) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    patched = world.owner.client.patch(project, json={"site_numbers": ["+12125550123"]})
    assert patched.status_code == 200, patched.text
    for number in ("+12125550181", "+12125550182"):
        added = world.owner.client.post(f"{project}/numbers", json={"number": number})
        assert added.status_code == 201, added.text
    first, second = browser.new_context(), browser.new_context()
    try:
        seen = [leased_number(context.new_page(), shop) for context in (first, second)]
        again = first.pages[0]
        again.goto(shop.base_url + "/contacts.html")
        again.wait_for_function("n => dialtrail.number() == n", arg=seen[0])
    finally:
        first.close()
        second.close()
    assert set(seen) == {"+12125550181", "+12125550182"}  # a different number each


def leased_number(page: Page, shop: StaticSite) -> str:
    page.goto(shop.base_url + "/index.html")
    page.wait_for_function("window.dialtrail && dialtrail.number()")
    number: str = page.evaluate("dialtrail.number()")
    return number


def test_the_seed_call_reaches_the_crm_with_the_visit_id_and_ga(
    page: Page, world: World, database: Database, shop: StaticSite
) -> None:
    """The seed (docs/design.md §2), whole: a visit in Chromium → its leased number is called → the
    call
    carries the session, GA client id and visit_id → webhooks in every format deliver them."""
    project = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(project, json={"site_numbers": ["+12125550123"]})
    world.owner.client.post(f"{project}/numbers", json={"number": "+12125550191"})
    with receiving() as receiver:
        hooks = Hooks(database, world, receiver, Clock(datetime.now(UTC)))
        mapping = [
            {"name": "visit id", "value": "entity.visit_id"},
            {"name": "ga", "value": "visit.ga_client_id"},
        ]
        for method, format_ in FORMATS:
            hooks.webhook(method=method, format=format_, parameters=mapping, name=format_)
        page.goto(shop.base_url + "/index.html")
        page.wait_for_function("window.dialtrail && window.r7k12_si === 'visit-2'")
        page.wait_for_function("dialtrail.number() === '+12125550191'")
        session_id = page.evaluate("dialtrail.session().session")
        page.click("#contacts")  # pagehide sends visit-2
        wait_for(
            lambda: session_detail(world, session_id)["entities"].get("visit_id") == "visit-2",
            "visit_id to arrive",
        )

        hooks.clock.now = datetime.now(UTC)
        started = hooks.report("started", called="+1 212 555 0191").json()
        ended = (hooks.clock.now + timedelta(seconds=42)).isoformat()
        hooks.report("ended", called="+1 212 555 0191", at=ended, duration_seconds=42)
        call = world.owner.client.get(started["url"]).json()
        assert (call["attribution"], call["session_id"]) == ("session", session_id)
        assert call["visit"]["ga_client_id"] == "1111111111.2222222222"
        assert call["entities"]["visit_id"]["value"] == "visit-2"

        hooks.clock.now = datetime.now(UTC)  # the deliveries are due since they were written
        assert hooks.deliver() == len(FORMATS)
        received = {
            request.method + " " + request.headers.get("content-type", "query"): request
            for request in receiver.received
        }
    expected = {"visit id": "visit-2", "ga": "1111111111.2222222222"}
    assert json.loads(received["POST application/json"].body) == expected
    assert (
        dict(parse_qsl(received["POST application/x-www-form-urlencoded"].body.decode()))
        == expected
    )
    assert dict(parse_qsl(received["POST query"].query)) == expected
    assert dict(parse_qsl(received["GET query"].query)) == expected


FORMATS = [("POST", "json"), ("POST", "form"), ("POST", "query"), ("GET", "query")]


def test_an_idle_reader_who_calls_brings_the_latest_visit_id_to_the_crm(
    page: Page, world: World, database: Database, shop: StaticSite
) -> None:
    """The most common visitor: lands, reads, dials the number shown while the page is still
    open, and never clicks, scrolls or types. The visit id the page set late, and changed,
    reaches the call and its webhook."""
    project = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(project, json={"site_numbers": ["+12125550123"]})
    world.owner.client.post(f"{project}/numbers", json={"number": "+12125550193"})
    with receiving() as receiver:
        hooks = Hooks(database, world, receiver, Clock(datetime.now(UTC)))
        mapping = [
            {"name": "visit id", "value": "entity.visit_id"},
            {"name": "ga", "value": "visit.ga_client_id"},
        ]
        hooks.webhook(parameters=mapping)
        page.goto(shop.base_url + "/reader.html")
        page.wait_for_function("window.dialtrail && dialtrail.number() === '+12125550193'")
        session_id = page.evaluate("dialtrail.session().session")
        page.wait_for_function("window.r7k12_si === 'reader-2'", timeout=15_000)
        wait_for(  # no click, no key, no scroll: the script's own reads send it
            lambda: session_detail(world, session_id)["entities"].get("visit_id") == "reader-2",
            "the changed visit_id to arrive while the visitor only reads",
        )

        hooks.clock.now = datetime.now(UTC)
        started = hooks.report("started", called="+1 212 555 0193").json()
        ended = (hooks.clock.now + timedelta(seconds=30)).isoformat()
        hooks.report("ended", called="+1 212 555 0193", at=ended, duration_seconds=30)
        call = world.owner.client.get(started["url"]).json()
        hooks.clock.now = datetime.now(UTC)
        assert hooks.deliver() == 1
        [request] = receiver.received
    assert (call["attribution"], call["session_id"]) == ("session", session_id)
    assert call["entities"]["visit_id"]["value"] == "reader-2"
    assert json.loads(request.body) == {"visit id": "reader-2", "ga": "1111111111.2222222222"}
