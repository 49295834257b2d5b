"""Consent (docs/design.md §3): with `required` the script stores, reads and sends nothing before
the visitor's consent; with `cookieless` it tracks the page without any cookie or storage and
keeps the visit on consent; a withdrawal deletes Dialtrail's cookies. Consent comes from
dialtrail.consent() (queued before the script loads too) or from Google Consent Mode v2.

The fixture server acts as the collector and answers page views with a tracking number; the
page's clock is Playwright's, moved by the tests (tests/browser/test_script_idle_visitor.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request

from dialtrail.tracker.serve import number_parts
from tests.browser.test_script_readers import collector, config, entity, wait_for_sends
from tests.support.static_site import StaticSite

SITE_NUMBER = "+12125550100"  # on consent.html as +1 (212) 555-0100 and in its tel: link
TRACKING_NUMBER = "+12125550177"
START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
VISIT_ID = entity("visit_id", "visit_id")
READS_STORED = entity("stored", 'cookie("visit") || storage("uid") || session_storage("s")')
NOTHING_STORED = {"document.cookie": "", "cookies": [], "localStorage": 0, "sessionStorage": 0}
# The site's Google Consent Mode v2 set-up, as Google documents it: before any tag.
GOOGLE_DEFAULT_DENIED = """
  window.dataLayer = window.dataLayer || [];
  window.gtag = function () { dataLayer.push(arguments); };
  gtag('consent', 'default', {ad_storage: 'denied', analytics_storage: 'denied'});
"""
QUEUED_CONSENT = """
  window.dialtrail = window.dialtrail || [];
  dialtrail.push(['consent', true]);
"""
# Notes in window.touched every read or write of document.cookie and every use of either
# storage, by anyone on the page: nothing stored is not enough, nothing may even be read.
SPY = """
  window.touched = [];
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    get() { touched.push('cookie read'); return cookie.get.call(this); },
    set(value) { touched.push('cookie write'); cookie.set.call(this, value); },
  });
  for (const kind of ['localStorage', 'sessionStorage']) {
    const storage = Object.getOwnPropertyDescriptor(window, kind)
      || Object.getOwnPropertyDescriptor(Window.prototype, kind);
    Object.defineProperty(window, kind, {
      configurable: true,
      get() { touched.push(kind); return storage.get.call(this); },
    });
  }
"""


@pytest.fixture
def site(served: StaticSite) -> StaticSite:
    served.reset()
    served.answer = {"number": TRACKING_NUMBER}
    return served


def consent_page(
    page: Page, site: StaticSite, mode: str, before: str = "", *entities: dict[str, str]
) -> None:
    """consent.html under the consent ``mode``, the page's clock standing still; ``before`` runs
    before any script of the page (the site's own set-up)."""
    page.clock.install(time=START)
    page.clock.pause_at(START + timedelta(minutes=1))
    if before:
        page.add_init_script(before)
    # As the server sends it: no consent key while consent is not required.
    waits = {} if mode == "not_required" else {"consent": mode}
    site.config = config(
        VISIT_ID,
        *entities,
        endpoint=collector(site),
        numbers=[number_parts(SITE_NUMBER)],
        **waits,
    )
    page.goto(site.base_url + "/consent.html")
    page.wait_for_function("window.dialtrail && typeof dialtrail.consent == 'function'")


def stored(page: Page) -> dict[str, Any]:
    """Everything the page may have stored: cookies, as the page and the browser see them, and
    both storages."""
    return {
        "document.cookie": page.evaluate("document.cookie"),
        "cookies": page.context.cookies(),
        "localStorage": page.evaluate("localStorage.length"),
        "sessionStorage": page.evaluate("sessionStorage.length"),
    }


def cookies(page: Page) -> dict[str, str]:
    return {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}


def collector_requests(page: Page) -> list[str]:
    """Every request the page makes to the collector from now on, answered or not."""
    seen: list[str] = []

    def note(request: Request) -> None:
        if "/c/KEY" in request.url:
            seen.append(request.url)

    page.on("request", note)
    return seen


def a_minute_of_reading_and_moving(page: Page) -> None:
    """A visitor who reads and moves the pointer for a minute: every timer and listener that
    could send has had its chance."""
    page.evaluate("window.visit_id = 'read-later'")
    for _ in range(4):
        page.mouse.move(40, 40)
        page.mouse.move(120, 90)
        page.clock.run_for(15_000)


def test_required_consent_stores_and_sends_nothing_before_consent(
    page: Page, site: StaticSite
) -> None:
    requests = collector_requests(page)
    consent_page(page, site, "required")

    a_minute_of_reading_and_moving(page)
    page.click("#call")

    assert stored(page) == NOTHING_STORED
    assert requests == []
    assert page.inner_text("#number") == "+1 (212) 555-0100"  # no tracking number yet
    assert page.evaluate("dialtrail.session()")["session"] is None


def test_required_consent_makes_no_request_but_for_the_script_before_consent(
    page: Page, site: StaticSite
) -> None:
    requests: list[str] = []  # the tel: link's navigation is the phone's, not a request
    page.on("request", lambda request: requests.append(request.url))
    consent_page(page, site, "required", "", VISIT_ID, READS_STORED)

    a_minute_of_reading_and_moving(page)
    page.click("#call")

    paths = [urlsplit(url).path for url in requests if url.startswith("http")]
    assert [path for path in paths if path != "/favicon.ico"] == ["/consent.html", "/dialtrail.js"]


@pytest.mark.parametrize("mode", ["required", "cookieless"])
def test_before_consent_no_cookie_or_storage_is_even_read(
    page: Page, site: StaticSite, mode: str
) -> None:
    consent_page(page, site, mode, SPY, READS_STORED)
    if mode == "cookieless":
        wait_for_sends(page, site, "pageview")

    a_minute_of_reading_and_moving(page)
    page.click("#call")
    before = page.evaluate("touched.splice(0)")
    page.evaluate("dialtrail.consent(true)")
    page.clock.run_for(2_500)  # the entities' next read

    assert before == []
    assert {"cookie read", "cookie write", "localStorage"} <= set(page.evaluate("touched"))


def test_required_consent_then_tracks_as_usual(page: Page, site: StaticSite) -> None:
    consent_page(page, site, "required")

    page.evaluate("dialtrail.consent(true)")

    [view] = wait_for_sends(page, site, "pageview")
    page.wait_for_function("n => dialtrail.number() == n", arg=TRACKING_NUMBER)
    assert view["new_session"] is True
    assert cookies(page)["_dt_v"] == view["visitor"]
    assert cookies(page)["_dt_s"].startswith(view["session"] + ".")
    assert page.inner_text("#number") == "+1 (212) 555-0177"
    page.evaluate("window.visit_id = 'set-while-reading'")
    page.clock.run_for(2_500)  # an idle visitor's values still arrive: no click needed
    [ping] = wait_for_sends(page, site, "ping")
    assert ping["values"] == {"visit_id": "set-while-reading"}


def test_consent_queued_before_the_script_loads_is_honoured(page: Page, site: StaticSite) -> None:
    consent_page(page, site, "required", before=QUEUED_CONSENT)

    [view] = wait_for_sends(page, site, "pageview")

    assert cookies(page)["_dt_v"] == view["visitor"]


def test_a_withdrawal_deletes_the_cookies_and_stops_sending(page: Page, site: StaticSite) -> None:
    consent_page(page, site, "required", before=QUEUED_CONSENT)
    wait_for_sends(page, site, "pageview")
    assert set(cookies(page)) == {"_dt_v", "_dt_s"}

    page.evaluate("dialtrail.consent(false)")
    requests = collector_requests(page)
    a_minute_of_reading_and_moving(page)
    page.click("#call")

    assert stored(page) == NOTHING_STORED
    assert requests == []


@pytest.mark.parametrize("mode", ["required", "cookieless"])
def test_a_withdrawal_told_on_the_next_page_deletes_the_cookies_of_earlier_visits(
    page: Page, site: StaticSite, mode: str
) -> None:
    earlier = "Fz3k0p1XbT9dQ2aLw8YcVg"  # from a visit the visitor had consented to
    page.context.add_cookies(
        [
            {"name": "_dt_v", "value": earlier, "url": site.base_url},
            {"name": "_dt_s", "value": f"{earlier}.1796529998466", "url": site.base_url},
        ]
    )
    withdrawn = "window.dialtrail = window.dialtrail || []; dialtrail.push(['consent', false]);"

    consent_page(page, site, mode, withdrawn)

    assert cookies(page) == {}
    if mode == "cookieless":  # tracked without them, as a visit of its own
        [view] = wait_for_sends(page, site, "pageview")
        assert earlier not in (view["visitor"], view["session"])


def test_cookieless_tracks_the_page_and_shows_a_number_without_storing_anything(
    page: Page, site: StaticSite
) -> None:
    consent_page(page, site, "cookieless")

    [view] = wait_for_sends(page, site, "pageview")
    page.wait_for_function("n => dialtrail.number() == n", arg=TRACKING_NUMBER)
    a_minute_of_reading_and_moving(page)  # activity pings renew the number's lease
    page.click("#call")

    assert stored(page) == NOTHING_STORED
    assert view["new_session"] is True
    assert page.inner_text("#number") == "+1 (212) 555-0177"
    pings = site.received("ping")
    assert pings[0]["values"] == {"visit_id": "read-later"}
    assert {(p["session"], p["visitor"]) for p in pings} == {(view["session"], view["visitor"])}


def test_cookieless_reads_no_cookie_or_storage_for_the_entities_before_consent(
    page: Page, site: StaticSite
) -> None:
    site_state = "document.cookie = 'visit=c-1; path=/'; localStorage.setItem('uid', 'u-1');"
    kept = entity("kept", 'cookie("visit") || storage("uid")')
    consent_page(page, site, "cookieless", site_state, kept)
    [view] = wait_for_sends(page, site, "pageview")

    page.evaluate("dialtrail.consent(true)")
    page.clock.run_for(2_500)  # the next read of the watch

    [ping] = wait_for_sends(page, site, "ping")
    assert view["values"] == {"visit_id": None, "kept": None}
    assert ping["values"] == {"kept": "c-1"}


def test_cookieless_makes_each_page_load_a_visit_of_its_own(page: Page, site: StaticSite) -> None:
    consent_page(page, site, "cookieless")
    [first] = wait_for_sends(page, site, "pageview")

    page.click("#next")
    views = wait_for_sends(page, site, "pageview", 2)

    assert views[1]["new_session"] is True
    assert views[1]["session"] != first["session"]
    assert views[1]["visitor"] != first["visitor"]
    assert stored(page) == NOTHING_STORED


def test_cookieless_consent_keeps_the_visit_going_on_the_next_pages(
    page: Page, site: StaticSite
) -> None:
    consent_page(page, site, "cookieless")
    [first] = wait_for_sends(page, site, "pageview")
    page.wait_for_function("n => dialtrail.number() == n", arg=TRACKING_NUMBER)

    page.evaluate("dialtrail.consent(true)")
    written = cookies(page)
    page.add_init_script(QUEUED_CONSENT)  # the banner's stored choice, on every page
    page.click("#next")
    views = wait_for_sends(page, site, "pageview", 2)

    assert written["_dt_v"] == first["visitor"]
    # The session cookie: id, last activity, number (docs/insertion-script.md, "Cookies").
    assert re.fullmatch(rf"{first['session']}\.\d+\.{TRACKING_NUMBER[1:]}", written["_dt_s"])
    assert (views[1]["session"], views[1]["visitor"]) == (first["session"], first["visitor"])
    assert views[1]["new_session"] is False


def test_a_returning_visitor_whose_consent_comes_late_keeps_the_visitor_id(
    page: Page, site: StaticSite
) -> None:
    consent_page(page, site, "cookieless")
    [first] = wait_for_sends(page, site, "pageview")
    page.evaluate("dialtrail.consent(true)")
    page.click("#next")
    [_, second] = wait_for_sends(page, site, "pageview", 2)

    # The banner's stored choice arrives once the page is running (an asynchronous CMP).
    page.evaluate("dialtrail.consent(true)")

    assert second["visitor"] != first["visitor"]  # the page started without cookies
    assert cookies(page)["_dt_v"] == first["visitor"]
    assert cookies(page)["_dt_s"].startswith(second["session"] + ".")
    assert page.evaluate("dialtrail.session().visitor") == first["visitor"]


def test_cookieless_withdrawal_deletes_the_cookies_and_tracks_without_them(
    page: Page, site: StaticSite
) -> None:
    consent_page(page, site, "cookieless", before=QUEUED_CONSENT)
    [view] = wait_for_sends(page, site, "pageview")
    assert set(cookies(page)) == {"_dt_v", "_dt_s"}

    page.evaluate("dialtrail.consent(false)")
    a_minute_of_reading_and_moving(page)

    assert stored(page) == NOTHING_STORED
    [ping, *_] = wait_for_sends(page, site, "ping")
    assert (ping["session"], ping["visitor"]) == (view["session"], view["visitor"])


def test_google_consent_mode_default_denied_then_granted(page: Page, site: StaticSite) -> None:
    requests = collector_requests(page)
    consent_page(page, site, "required", before=GOOGLE_DEFAULT_DENIED)
    a_minute_of_reading_and_moving(page)
    assert requests == []
    assert stored(page) == NOTHING_STORED

    page.evaluate("gtag('consent', 'update', {ad_storage: 'denied', analytics_storage: 'granted'})")
    page.clock.run_for(10)  # the script looks at a push once the site's own work is done

    [view] = wait_for_sends(page, site, "pageview")
    assert cookies(page)["_dt_v"] == view["visitor"]


def test_google_consent_mode_denied_update_withdraws(page: Page, site: StaticSite) -> None:
    granted = GOOGLE_DEFAULT_DENIED + "gtag('consent', 'update', {analytics_storage: 'granted'});"
    consent_page(page, site, "required", before=granted)
    wait_for_sends(page, site, "pageview")
    assert set(cookies(page)) == {"_dt_v", "_dt_s"}

    page.evaluate("gtag('consent', 'update', {analytics_storage: 'denied'})")
    page.clock.run_for(10)
    requests = collector_requests(page)
    a_minute_of_reading_and_moving(page)

    assert stored(page) == NOTHING_STORED
    assert requests == []


@pytest.mark.parametrize(
    ("commands", "tracked"),
    [
        # A default after an update does not undo it.
        (
            "gtag('consent', 'update', {analytics_storage: 'granted'});"
            "gtag('consent', 'default', {analytics_storage: 'denied'});",
            True,
        ),
        # Of defaults for several regions, a denial wins: the visitor's region is unknown.
        (
            "gtag('consent', 'default', {analytics_storage: 'denied', region: ['DE']});"
            "gtag('consent', 'default', {analytics_storage: 'granted'});",
            False,
        ),
        # Other purposes say nothing about Dialtrail's.
        ("gtag('consent', 'default', {ad_storage: 'granted'});", False),
    ],
)
def test_google_consent_mode_commands_are_read_in_order(
    page: Page, site: StaticSite, commands: str, tracked: bool
) -> None:
    before = "window.dataLayer = []; window.gtag = function () { dataLayer.push(arguments); };"
    consent_page(page, site, "required", before=before + commands)
    page.clock.run_for(1_000)

    started = page.evaluate("dialtrail.session().session") is not None
    assert started is tracked
    assert bool(cookies(page)) is tracked


def test_consent_is_ignored_where_it_is_not_required(page: Page, site: StaticSite) -> None:
    consent_page(page, site, "not_required", before=GOOGLE_DEFAULT_DENIED)

    [view] = wait_for_sends(page, site, "pageview")
    page.evaluate("dialtrail.consent(false)")

    assert cookies(page)["_dt_v"] == view["visitor"]  # today's behaviour, whatever the site says
