"""GA4 and Matomo in Debian's Chromium, set up through the admin UI only: the seed's entity and
numbers, then *Integrations → Add Google Analytics 4* and *Add Matomo*; a real visit to the
fixture shop carrying GA4's and Matomo's cookies, `dialtrail simulate-call` as a process, the
worker, and both requests at a local receiver checked against the protocols' documented
rules; the deliveries log and GA4's test send (to its validation endpoint) in the UI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page

from tests.admin.test_webhooks_in_browser import (
    POOL,
    add_entity_in_the_ui,
    add_numbers_in_the_ui,
    deliver,
    serve_shop,
    session_has,
    snippet_from_the_ui,
)
from tests.support.admin_browser import shoot, sign_in
from tests.support.analytics_protocols import ga4_request, matomo_request
from tests.support.databases import Database
from tests.support.people import World
from tests.support.processes import database_url, run
from tests.support.receiver import Receiver
from tests.support.waiting import wait_for

MATOMO_VISITOR = "5f2c9a1e0b7d4c38"


def add_ga4_in_the_ui(page: Page, endpoint: str) -> None:
    page.get_by_role("link", name="All integrations").click()
    page.get_by_test_id("add-ga4").click()
    page.get_by_label("Measurement id").fill("G-K3Q9ZL2M7P")
    page.get_by_label("API secret").fill("s3cr3t-Api_Value")
    page.get_by_label("Endpoint").fill(endpoint)
    page.get_by_label("Parameters, one a line").fill("visit_id = entity.visit_id")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/integrations")


def add_matomo_in_the_ui(page: Page, url: str, site_id: str = "1") -> None:
    page.get_by_test_id("add-matomo").click()
    page.get_by_label("Matomo address").fill(url)
    page.get_by_label("Site id").fill(site_id)
    page.get_by_label("token_auth").fill("0123456789abcdef0123456789abcdef")
    page.get_by_label("Parameters, one a line").fill(
        'e_c = "Phone calls"\ne_a = call.disposition\ndimension1 = entity.visit_id'
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/integrations")


def test_a_call_reaches_ga4_and_matomo_set_up_in_the_ui_only(
    page: Page, world: World, database: Database, receiver: Receiver, tmp_path: Path
) -> None:
    sign_in(page, world, world.owner.email)
    add_entity_in_the_ui(page)
    add_numbers_in_the_ui(page)
    add_ga4_in_the_ui(page, receiver.url)
    add_matomo_in_the_ui(page, receiver.url)
    assert page.get_by_test_id("integration-name").all_inner_texts() == [
        "Google Analytics 4",
        "Matomo",
    ]
    shoot(page, "integrations", database)
    snippet = snippet_from_the_ui(page)

    with serve_shop(snippet, tmp_path) as shop:
        visitor = page.context.browser.new_context()  # type: ignore[union-attr]
        visitor.add_cookies(
            [
                {
                    "name": "_ga_K3Q9ZL2M7P",
                    "value": "GS2.1.s1764921600$o3$g1$t1764921710$j50$l0$h0",
                    "url": shop.base_url,
                },
                {
                    "name": "_pk_id.1.1fff",
                    "value": f"{MATOMO_VISITOR}.1764921000.",
                    "url": shop.base_url,
                },
            ]
        )
        tab = visitor.new_page()
        tab.goto(shop.base_url + "/index.html")
        tab.wait_for_function("window.dialtrail && window.r7k12_si === 'visit-2'")
        tab.wait_for_function("document.getElementById('phone').textContent !== '+1 212 555 0100'")
        number = tab.locator("#phone").inner_text()
        tab.click("#contacts")  # pagehide sends the visit id's last value
        tab.wait_for_load_state()
        wait_for(lambda: session_has(page, world, "visit-2"), "visit_id to reach the server")
        visitor.close()

    called = run(
        database_url(database), "simulate-call", "--project", str(world.project_id), "--to", number
    )
    assert called.returncode == 0, called.stderr
    assert number in POOL
    assert deliver(database, world, receiver) == 2

    now = datetime.now(UTC)
    by_path = {received.path: received for received in receiver.received}
    body = ga4_request(by_path["/mp/collect"], now)
    assert body["client_id"] == "1111111111.2222222222"
    assert body["events"][0]["params"]["session_id"] == "1764921600"
    assert body["events"][0]["params"]["visit_id"] == "visit-2"
    fields = matomo_request(by_path["/matomo.php"], now)
    assert (fields["_id"], fields["dimension1"]) == (MATOMO_VISITOR, "visit-2")

    page.get_by_role("link", name="All integrations").click()
    page.get_by_test_id("integration-ga4").get_by_test_id("deliveries-link").click()
    assert page.get_by_test_id("delivery-status").all_inner_texts() == ["delivered"]
    page.get_by_role("link", name="Preview and test").click()
    page.get_by_role("button", name="Test send").click()
    assert page.get_by_test_id("test-status").inner_text().startswith("200")
    assert "s3cr3t" not in page.get_by_test_id("request").inner_text()
    shoot(page, "integration-test-send", database)
    assert receiver.received[-1].path == "/debug/mp/collect"
