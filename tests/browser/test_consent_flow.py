"""Consent end to end, in Chromium against the real server (docs/design.md §3): a cookieless
visit shows a leased number and a call to it is matched to the page's visit, with nothing
stored in the browser, and the visitor's consent then keeps the same session on the next page;
with consent required the server hears nothing but the script's request until the visitor
consents, then the visit is tracked as usual."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page

from tests.browser import test_seed_flow
from tests.browser.test_script_consent import NOTHING_STORED, QUEUED_CONSENT, cookies, stored
from tests.support.collector import public_key
from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.people import World
from tests.support.receiver import receiving
from tests.support.static_site import StaticSite
from tests.support.waiting import wait_for

TRACKING_NUMBER = "+12125550195"
shop = test_seed_flow.shop  # the same shop, its snippet pointing at the real server
session_detail = test_seed_flow.session_detail


def test_a_cookieless_visit_is_called_then_kept_on_consent(
    page: Page, world: World, database: Database, shop: StaticSite
) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    settings = {"site_numbers": ["+12125550123"], "consent": "cookieless"}
    assert world.owner.client.patch(project, json=settings).status_code == 200
    world.owner.client.post(f"{project}/numbers", json={"number": TRACKING_NUMBER})
    page.goto(shop.base_url + "/private.html")
    page.wait_for_function("n => window.dialtrail && dialtrail.number() === n", arg=TRACKING_NUMBER)
    session_id = page.evaluate("dialtrail.session().session")

    with receiving() as receiver:  # the call, through the generic telephony API
        hooks = Hooks(database, world, receiver, Clock(datetime.now(UTC)))
        started = hooks.report("started", called="+1 212 555 0195").json()
    call = world.owner.client.get(started["url"]).json()

    assert page.inner_text("#phone") == "+1 (212) 555-0195"
    assert stored(page) == NOTHING_STORED
    assert (call["attribution"], call["session_id"]) == ("session", session_id)
    assert call["entities"]["visit_id"]["value"] == "private-1"

    page.evaluate("dialtrail.consent(true)")
    assert cookies(page)["_dt_v"] == page.evaluate("dialtrail.session().visitor")
    page.add_init_script(QUEUED_CONSENT)  # the banner's stored choice, told on every page
    page.click("#contacts")

    detail = wait_for(
        lambda: (d := session_detail(world, session_id)).get("page_views") == 2 and d,
        "the next page in the same session",
    )
    assert [view["url"] for view in detail["page_view_list"]] == [
        shop.base_url + "/private.html",
        shop.base_url + "/contacts.html",
    ]


def test_with_consent_required_the_server_hears_nothing_until_the_visitor_consents(
    page: Page, world: World, database: Database, shop: StaticSite
) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    settings = {"site_numbers": ["+12125550123"], "consent": "required"}
    assert world.owner.client.patch(project, json=settings).status_code == 200
    world.owner.client.post(f"{project}/numbers", json={"number": TRACKING_NUMBER})
    heard: list[str] = []
    page.on("request", lambda request: heard.append(request.url))
    page.goto(shop.base_url + "/private.html")
    page.wait_for_function("window.dialtrail && document.readyState == 'complete'")
    # Past the script's first timed reads and sends (about 2.5 s after load): a script that
    # sent then, consent or not, is caught here too, not only one that sends at load.
    page.wait_for_timeout(3000)

    served_before = [url for url in heard if url.startswith(world.base_url)]
    stored_before = stored(page)
    sessions_before = test_seed_flow.sessions(world)
    page.evaluate("dialtrail.consent(true)")
    page.wait_for_function("n => dialtrail.number() === n", arg=TRACKING_NUMBER)

    assert served_before == [f"{world.base_url}/s/{public_key(database, world.project_id)}.js"]
    assert stored_before == NOTHING_STORED
    assert sessions_before == []
    assert set(cookies(page)) == {"_dt_v", "_dt_s"}
    session_id = page.evaluate("dialtrail.session().session")
    detail = wait_for(
        lambda: (d := session_detail(world, session_id)).get("page_views") == 1 and d,
        "the session the consent started",
    )
    assert detail["entities"]["visit_id"] == "private-1"
