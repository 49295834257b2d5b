"""The insertion script's sends survive a collector that fails for a while, a page view the server
never got, and values too long for one body; its error reports are limited per page view.

The fixture server acts as the collector: it refuses bodies over 8 KB with 413, as the real one
does, and answers the statuses a test queues for an event before answering normally.
"""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.test_script_readers import collector, config, entity, open_page, wait_for_sends
from tests.support.static_site import BODY_LIMIT, StaticSite


def test_a_page_view_refused_with_503_is_sent_again(page: Page, site: StaticSite) -> None:
    site.statuses = {"pageview": [503]}
    site.answer = {"number": "+15550100"}

    open_page(page, site, "/readers.html", config(endpoint=collector(site)))

    [stored] = wait_for_sends(page, site, "pageview")
    failed, again = site.sent("pageview")
    assert (failed.status, again.status) == (503, 200)
    assert failed.body == again.body == stored  # the same page view id: stored once
    page.wait_for_function("dialtrail.number() == '+15550100'")


def test_a_page_view_lost_on_the_network_is_sent_again(page: Page, site: StaticSite) -> None:
    page.route("**/c/KEY/pageview", lambda route: route.abort(), times=1)

    open_page(page, site, "/readers.html", config(endpoint=collector(site)))

    [stored] = wait_for_sends(page, site, "pageview")
    assert stored["page_view"] == page.evaluate("dialtrail.session().page_view")


def test_a_ping_for_an_unknown_session_sends_the_page_view_again(
    page: Page, site: StaticSite
) -> None:
    site.statuses = {"ping": [404]}
    settings = config(entity("user", 'datalayer("userId")'), endpoint=collector(site))
    open_page(page, site, "/readers.html", settings)
    [first] = wait_for_sends(page, site, "pageview")

    page.evaluate("dataLayer.push({userId: 'user-2'})")

    [ping] = wait_for_sends(page, site, "ping")
    assert [post.status for post in site.sent("ping")] == [404, 200]  # 200: accepted
    assert site.received("pageview") == [first, first]  # the same page view, again
    assert ping["values"] == {"user": "user-2"}


def test_long_values_never_make_a_body_too_large(page: Page, site: StaticSite) -> None:
    names = [f"long_{n}" for n in range(20)]
    settings = config(*(entity(name, "huge") for name in names), endpoint=collector(site))

    open_page(page, site, "/readers.html", settings)

    [pageview] = wait_for_sends(page, site, "pageview")
    pings = wait_for_sends(page, site, "ping", len(names) - len(pageview["values"]))
    posts = site.sent("pageview") + site.sent("ping")
    values = {**pageview["values"]} | {k: v for ping in pings for k, v in ping["values"].items()}
    assert 0 < len(pageview["values"]) < len(names)  # as many as fit; the rest follow
    assert values == {name: "y" * 1000 for name in names}
    assert all(post.status < 300 and post.size <= BODY_LIMIT for post in posts)
    assert all(ping["page_view"] == pageview["page_view"] for ping in pings)
    assert all(set(ping["truncated"]) == set(names) for ping in pings)


def test_the_error_limit_starts_again_with_each_page_view(page: Page, site: StaticSite) -> None:
    broken = [entity(f"broken_{n}", 'text("div:no-such-pseudo-class")') for n in range(7)]
    open_page(page, site, "/readers.html", config(*broken))
    for _ in range(3):  # with the page view's read, 7 entities x 3 errors each: 21, 20 kept
        page.evaluate("dialtrail.entities()")
    assert len(page.evaluate("dialtrail._errors()")) == 20

    page.evaluate("history.pushState({}, '', '/readers.html?step=2')")

    page.wait_for_function("dialtrail._errors().length > 20")
    assert len(page.evaluate("dialtrail._errors()")) == 27  # the new page view's first read
