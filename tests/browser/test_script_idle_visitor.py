"""A visitor who only reads: entity values reach the server while the page is open, without a
click, a key or a scroll; intent to call (a tel: tap, a copy of the number) sends them at once.

Chromium's clock is Playwright's: the tests move it forward instead of waiting, and pause it
where a timer must not be the one that sends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page

from dialtrail.tracker.serve import number_parts
from tests.browser.test_script_readers import collector, config, entity, open_page, wait_for_sends
from tests.support.static_site import StaticSite

VISIT_ID = entity("visit_id", "visit_id")
SITE_NUMBER = "+12125550100"  # on idle.html as +1 (212) 555-0100 and in its tel: link
TRACKING_NUMBER = "+12125550177"
START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def site(served: StaticSite) -> StaticSite:
    """The fixture site, whose collector answers the page view with a tracking number."""
    served.reset()
    served.answer = {"number": TRACKING_NUMBER}
    return served


def idle_page(page: Page, site: StaticSite, *entities: dict[str, str], **settings: Any) -> None:
    settings = {"endpoint": collector(site), "numbers": [number_parts(SITE_NUMBER)], **settings}
    open_page(page, site, "/idle.html", config(*entities, **settings))


def paused(page: Page) -> None:
    """The page's clock stands still from before the page loads: only the test moves time (a
    slow machine's seconds never reach the page)."""
    page.clock.install(time=START)
    page.clock.pause_at(START + timedelta(minutes=1))  # ahead of the real seconds install took


def test_an_idle_visitor_s_values_reach_the_server_as_they_change(
    page: Page, site: StaticSite
) -> None:
    paused(page)
    idle_page(page, site, VISIT_ID)

    page.clock.run_for(1_500)  # set at 1 s: read again every 250 ms while still undefined
    [first] = wait_for_sends(page, site, "ping")
    page.clock.run_for(5_000)  # changed at 4 s: the next read of the watch (every 2 s)
    pings = wait_for_sends(page, site, "ping", 2)
    page.clock.run_for(60_000)  # a minute more, nothing changes and nobody touches the page

    assert site.received("pageview")[0]["values"] == {"visit_id": None}
    assert [ping["values"] for ping in pings] == [{"visit_id": "visit-1"}, {"visit_id": "visit-2"}]
    assert len(site.received("ping")) == 2  # nothing changed: nothing sent
    assert first["page_view"] == site.received("pageview")[0]["page_view"]


def test_an_expression_read_again_is_not_sent_twice(page: Page, site: StaticSite) -> None:
    paused(page)
    same = entity("same", "visit_id")
    idle_page(page, site, VISIT_ID, same)

    page.clock.run_for(3_000)

    [ping] = wait_for_sends(page, site, "ping")
    assert ping["values"] == {"visit_id": "visit-1", "same": "visit-1"}
    assert len(site.received("ping")) == 1


def test_a_tel_tap_sends_a_value_changed_a_moment_before(page: Page, site: StaticSite) -> None:
    paused(page)
    idle_page(page, site, VISIT_ID)

    page.evaluate("window.visit_id = 'chosen-before-the-call'")
    page.click("#call")

    [ping] = wait_for_sends(page, site, "ping")
    assert ping["values"] == {"visit_id": "chosen-before-the-call"}


def test_a_tap_on_the_shown_number_sends_the_values(page: Page, site: StaticSite) -> None:
    paused(page)
    idle_page(page, site, VISIT_ID)
    page.wait_for_function("n => dialtrail.number() == n", arg=TRACKING_NUMBER)

    page.evaluate("window.visit_id = 'tapped'")
    page.click("#elsewhere")  # not the number: nothing yet
    page.wait_for_timeout(300)
    assert site.received("ping") == []
    page.click("#number")

    [ping] = wait_for_sends(page, site, "ping")
    assert ping["values"] == {"visit_id": "tapped"}


def test_a_copy_of_the_number_sends_the_values(page: Page, site: StaticSite) -> None:
    paused(page)
    idle_page(page, site, VISIT_ID)
    page.wait_for_function("n => dialtrail.number() == n", arg=TRACKING_NUMBER)

    page.evaluate("window.visit_id = 'copied'")
    page.evaluate(
        """() => {
          getSelection().selectAllChildren(document.getElementById('number'));
          document.dispatchEvent(new Event('copy', {bubbles: true}));
        }"""
    )

    [ping] = wait_for_sends(page, site, "ping")
    assert ping["values"] == {"visit_id": "copied"}


def test_an_expression_that_never_resolves_is_reported_undefined(
    page: Page, site: StaticSite
) -> None:
    wrong = entity("wrong_path", 'shop.visit.id || match(missing.id, "(\\\\d+)")')
    paused(page)
    idle_page(page, site, wrong, VISIT_ID)

    page.clock.run_for(4_900)  # still within load + simple_retry_ms (5 s): not yet
    assert page.evaluate("dialtrail._errors()") == []
    page.clock.run_for(500)  # visit_id appeared at 1 s: never reported
    assert page.evaluate("dialtrail._errors()") == [
        {
            "entity": "wrong_path",
            "kind": "undefined",
            "message": "still undefined 5 s after load",
        }
    ]


def test_an_empty_expression_is_not_an_error(page: Page, site: StaticSite) -> None:
    absent = entity("absent", 'cookie("no_such_cookie") || query("nothing")')
    paused(page)
    idle_page(page, site, absent)

    page.clock.run_for(10_000)

    assert page.evaluate("dialtrail._errors()") == []


def test_pointer_movement_counts_as_activity(page: Page, site: StaticSite) -> None:
    paused(page)
    idle_page(page, site)

    page.clock.run_for(16_000)  # nobody there: no activity ping
    assert site.received("ping") == []
    page.mouse.move(40, 40)
    page.mouse.move(120, 90)
    page.clock.run_for(15_000)

    [ping] = wait_for_sends(page, site, "ping")
    assert ping["values"] == {}
