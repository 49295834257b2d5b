"""The insertion script reads values on real pages, normalises them, and never breaks the site.

Pages come from tests/browser/fixtures, served by a real HTTP server with the script and a
test's configuration; Chromium runs them. Sends go to an address where nothing listens, unless a
test reads what the script sent, in which case the fixture server itself answers as the
collector.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.support.static_site import UNREACHABLE_ENDPOINT, StaticSite

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
STRICT_CSP = {"Content-Security-Policy": "script-src 'self'"}
PAGE_ERRORS = "window.pageErrors"

# Expressions read in one page of readers.html, after a cookie, storage items and a dataLayer
# push were set; each test below looks at some of the answers.
READS = [
    'cookie("visit_cookie")',
    'query("utm_source")',
    'storage("visit_id")',
    'session_storage("visit_id")',
    'datalayer("userId")',
    'text("#order-id")',
    'text(".box span")',
    'attr("#phone", "data-visit")',
    'meta("visit-id")',
    'meta("og:order")',
    r'match(text("#order-id"), "A-(\\d+)")',
    r'match(r7k12_si, "\\d{8}")',
    r'match(r7k12_si, "nothing-(\\d+)")',
    'query("absent") || cookie("absent") || "fallback"',
    "missing || r7k12_si",
    "shop.visit.id",
    "window.shop.visit.id",
    'app["visit-id"]',
    "dataLayer[0].userId",
    "answer",
    "yes",
    "order",
    "padded",
    "nothing",
    "blank",
    "missing",
    "huge",
    "cyclic",
]


def entity(name: str, value: str, kind: str = "expression") -> dict[str, str]:
    return {"name": name, "type": kind, "scope": "session", "value": value}


def config(*entities: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {
        "key": "KEY",
        "endpoint": UNREACHABLE_ENDPOINT,
        "entities": list(entities),
        "raw_js": False,
        "numbers": [],
        "session_timeout": 1800,
        "ping_interval": 15,
        "activity_window": 15,
        "simple_retry_ms": 5000,
        "max_value_length": 1000,
        "debug": False,
        **settings,
    }


@pytest.fixture
def page_errors(page: Page) -> list[str]:
    """Uncaught errors of the page, as Chromium reports them."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def open_page(page: Page, site: StaticSite, path: str, settings: dict[str, Any]) -> None:
    site.config = settings
    page.goto(site.base_url + path)
    page.wait_for_function("window.dialtrail && dialtrail.session().page_view")


def check(page: Page, expression: str) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("text => dialtrail.check(text)", expression)
    return result


def collector(site: StaticSite) -> str:
    return site.base_url + "/c/KEY"


def wait_for_sends(page: Page, site: StaticSite, kind: str, count: int = 1) -> list[Any]:
    """What the script sent to the fixture server's collector, once ``count`` have arrived."""
    for _ in range(250):
        bodies = site.received(kind)
        if len(bodies) >= count:
            return bodies
        page.wait_for_timeout(20)
    raise AssertionError(f"expected {count} {kind} sends, got {site.received(kind)}")


@pytest.fixture(scope="module")
def reads(browser: Browser, served: StaticSite) -> Iterator[dict[str, dict[str, Any]]]:
    served.reset()
    served.config = config()
    context = browser.new_context()
    try:
        context.add_cookies([{"name": "visit_cookie", "value": "c%20v", "url": served.base_url}])
        page = context.new_page()
        page.goto(served.base_url + "/readers.html?utm_source=news")
        page.evaluate("""() => {
            localStorage.setItem('visit_id', 'stored-1');
            sessionStorage.setItem('visit_id', 'session-1');
            dataLayer.push({event: 'login', userId: 'user-2'});
        }""")
        yield page.evaluate(
            """async reads => Object.fromEntries(
                await Promise.all(reads.map(async r => [r, await dialtrail.check(r)])))""",
            READS,
        )
    finally:
        context.close()


def values(reads: dict[str, dict[str, Any]], *expressions: str) -> list[Any]:
    for expression in expressions:
        assert "error" not in reads[expression], reads[expression]
    return [reads[expression]["value"] for expression in expressions]


def test_it_reads_a_cookie(reads: dict[str, dict[str, Any]]) -> None:
    assert values(reads, 'cookie("visit_cookie")') == ["c v"]


def test_it_reads_a_url_parameter(reads: dict[str, dict[str, Any]]) -> None:
    assert values(reads, 'query("utm_source")') == ["news"]


def test_it_reads_local_and_session_storage(reads: dict[str, dict[str, Any]]) -> None:
    expressions = ['storage("visit_id")', 'session_storage("visit_id")']
    assert values(reads, *expressions) == ["stored-1", "session-1"]


def test_it_reads_the_most_recent_data_layer_push(reads: dict[str, dict[str, Any]]) -> None:
    assert values(reads, 'datalayer("userId")', "dataLayer[0].userId") == ["user-2", "user-1"]


def test_it_reads_text_and_attributes_of_the_first_match(reads: dict[str, dict[str, Any]]) -> None:
    expressions = ['text("#order-id")', 'text(".box span")', 'attr("#phone", "data-visit")']
    assert values(reads, *expressions) == ["A-1001", "first", "attr-visit"]


def test_it_reads_meta_tags_by_name_or_property(reads: dict[str, dict[str, Any]]) -> None:
    assert values(reads, 'meta("visit-id")', 'meta("og:order")') == ["meta-visit", "og-42"]


def test_match_gives_the_first_group_or_the_whole_match(reads: dict[str, dict[str, Any]]) -> None:
    expressions = [
        r'match(text("#order-id"), "A-(\\d+)")',
        r'match(r7k12_si, "\\d{8}")',
        r'match(r7k12_si, "nothing-(\\d+)")',
    ]
    assert values(reads, *expressions) == ["1001", "20261127", None]


def test_or_gives_the_first_non_empty_value(reads: dict[str, dict[str, Any]]) -> None:
    expressions = ['query("absent") || cookie("absent") || "fallback"', "missing || r7k12_si"]
    assert values(reads, *expressions) == ["fallback", "v-20261127-8841"]


def test_it_reads_nested_global_paths(reads: dict[str, dict[str, Any]]) -> None:
    expressions = ["shop.visit.id", "window.shop.visit.id", 'app["visit-id"]']
    assert values(reads, *expressions) == ["shop-visit-7", "shop-visit-7", "app-visit-9"]


def test_it_normalises_values_as_the_server_does(reads: dict[str, dict[str, Any]]) -> None:
    expressions = ["answer", "yes", "order", "padded", "nothing", "blank", "missing"]
    normalised = ["42", "true", '{"id":7,"items":["a","b"]}', "x", None, None, None]
    assert values(reads, *expressions) == normalised


def test_a_10_mb_string_is_cut_to_the_maximum_length(reads: dict[str, dict[str, Any]]) -> None:
    assert values(reads, "huge") == ["y" * 1000]


def test_a_value_that_cannot_be_json_is_an_exception(reads: dict[str, dict[str, Any]]) -> None:
    assert reads["cyclic"]["value"] is None
    assert reads["cyclic"]["kind"] == "exception"


def test_the_page_view_carries_every_value_and_names_the_cut_ones(
    page: Page, site: StaticSite
) -> None:
    settings = config(
        entity("visit_id", "r7k12_si"),
        entity("shop_visit", "shop.visit.id", "simple"),
        entity("order_id", 'text("#order-id")'),
        entity("huge", "huge"),
        endpoint=collector(site),
    )
    open_page(page, site, "/readers.html", settings)

    [pageview] = wait_for_sends(page, site, "pageview")
    session = page.evaluate("dialtrail.session()")
    assert pageview.pop("values") == {
        "visit_id": "v-20261127-8841",
        "shop_visit": "shop-visit-7",
        "order_id": "A-1001",
        "huge": "y" * 1000,
    }
    assert isinstance(pageview.pop("at"), int)
    assert pageview == {
        "visitor": session["visitor"],
        "session": session["session"],
        "page_view": session["page_view"],
        "new_session": True,
        "url": site.base_url + "/readers.html",
        "title": "Readers",
        "referrer": "",
        "ga": None,
        "truncated": ["huge"],
    }
    assert page.evaluate("dialtrail.entities()")["huge"] == "y" * 1000


def test_session_gives_the_ids_the_number_and_the_google_analytics_client_id(
    page: Page, site: StaticSite
) -> None:
    page.context.add_cookies([{"name": "_ga", "value": "GA1.1.123.456", "url": site.base_url}])
    site.answer = {"number": "+15550100"}
    open_page(page, site, "/readers.html", config(endpoint=collector(site)))

    page.wait_for_function("dialtrail.session().number")
    session = page.evaluate("dialtrail.session()")
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert set(session) == {"session", "visitor", "ga_client_id", "number", "page_view"}
    assert session["ga_client_id"] == "123.456"
    assert session["number"] == "+15550100"
    assert all(CLIENT_ID.match(session[key]) for key in ("session", "visitor", "page_view"))
    assert cookies["_dt_v"] == session["visitor"]
    # The cookie keeps the session's number too, so that the next page shows it at once.
    assert re.fullmatch(re.escape(session["session"]) + r"\.\d{13}\.15550100", cookies["_dt_s"])
    assert site.received("pageview")[0]["ga"] == "GA1.1.123.456"


@pytest.mark.parametrize(
    ("ga4_cookie", "session_id", "number"),
    [
        ("GS1.1.1764921600.3.1.1764921700.0.0.0", "1764921600", 3),
        ("GS2.1.s1764921600$o3$g1$t1764921700$j60$l0$h0", "1764921600", 3),
    ],
)
def test_a_page_view_carries_ga4s_session_and_matomos_visitor_id(
    page: Page, site: StaticSite, ga4_cookie: str, session_id: str, number: int
) -> None:
    page.context.add_cookies(
        [
            {"name": name, "value": value, "url": site.base_url}
            for name, value in (
                ("_ga", "GA1.1.123.456"),
                ("_ga_K3Q9ZL2M7P", ga4_cookie),
                ("_pk_id.1.1fff", "5f2c9a1e0b7d4c38.1764921600."),
            )
        ]
    )
    open_page(page, site, "/readers.html", config(endpoint=collector(site)))

    sent = wait_for_sends(page, site, "pageview")[0]
    assert (sent["ga_session_id"], sent["ga_session_number"]) == (session_id, number)
    assert sent["matomo_visitor_id"] == "5f2c9a1e0b7d4c38"


def test_with_several_streams_and_sites_it_reads_the_cookies_the_configuration_names(
    page: Page, site: StaticSite
) -> None:
    # Another GA4 stream's and another Matomo site's cookies come first in document.cookie.
    page.context.add_cookies(
        [
            {"name": name, "value": value, "url": site.base_url}
            for name, value in (
                ("_ga_OTHER00001", "GS2.1.s1700000000$o9$g0$t1700000100$j0$l0$h0"),
                ("_pk_id.7.1fff", "aaaaaaaaaaaaaaaa.1700000000."),
                ("_ga_K3Q9ZL2M7P", "GS2.1.s1764921600$o3$g1$t1764921700$j60$l0$h0"),
                ("_pk_id.12.1fff", "5f2c9a1e0b7d4c38.1764921600."),
            )
        ]
    )
    settings = config(endpoint=collector(site), ga4="K3Q9ZL2M7P", pk="12")
    open_page(page, site, "/readers.html", settings)

    sent = wait_for_sends(page, site, "pageview")[0]
    assert (sent["ga_session_id"], sent["ga_session_number"]) == ("1764921600", 3)
    assert sent["matomo_visitor_id"] == "5f2c9a1e0b7d4c38"


def test_malformed_or_absent_analytics_cookies_send_nothing_of_theirs(
    page: Page, site: StaticSite
) -> None:
    page.context.add_cookies(
        [
            {"name": "_ga_K3Q9ZL2M7P", "value": "GS3.1.x$y", "url": site.base_url},
            {"name": "_pk_id.1.1fff", "value": "not-hex-at-all00.1764921600", "url": site.base_url},
        ]
    )
    open_page(page, site, "/readers.html", config(endpoint=collector(site)))

    sent = wait_for_sends(page, site, "pageview")[0]
    assert not {"ga_session_id", "ga_session_number", "matomo_visitor_id"} & set(sent)
    assert sent["ga"] is None


def test_a_data_layer_push_sends_the_changed_value(page: Page, site: StaticSite) -> None:
    settings = config(entity("user", 'datalayer("userId")'), endpoint=collector(site))
    open_page(page, site, "/readers.html", settings)

    page.evaluate("dataLayer.push({event: 'login', userId: 'user-2'})")

    [ping] = wait_for_sends(page, site, "ping")
    assert ping["values"] == {"user": "user-2"}
    assert ping["page_view"] == page.evaluate("dialtrail.session().page_view")
    # JSON as text/plain: a "simple" request, so no CORS preflight (sendBeacon, and fetch).
    posts = site.sent("ping") + site.sent("pageview")
    assert {post.content_type for post in posts} == {"text/plain;charset=UTF-8"}


def test_a_navigation_sends_a_page_view_with_the_previous_url_as_referrer(
    page: Page, site: StaticSite
) -> None:
    open_page(page, site, "/readers.html", config(endpoint=collector(site)))

    page.evaluate("history.pushState({}, '', '/readers.html?step=2')")

    first, second = wait_for_sends(page, site, "pageview", 2)
    assert second["referrer"] == site.base_url + "/readers.html"
    assert second["url"] == site.base_url + "/readers.html?step=2"
    assert (second["session"], second["new_session"]) == (first["session"], False)
    assert second["page_view"] != first["page_view"]


def test_a_simple_entity_set_late_is_sent_when_it_appears(page: Page, site: StaticSite) -> None:
    settings = config(entity("late", "late", "simple"), endpoint=collector(site))
    open_page(page, site, "/readers.html", settings)

    [ping] = wait_for_sends(page, site, "ping")
    assert site.received("pageview")[0]["values"] == {"late": None}
    assert ping["values"] == {"late": "arrived-late"}


def test_a_simple_entity_never_set_is_reported_undefined(page: Page, site: StaticSite) -> None:
    settings = config(entity("never", "never.set", "simple"), simple_retry_ms=300)
    open_page(page, site, "/readers.html", settings)

    page.wait_for_function("dialtrail._errors().length")
    assert page.evaluate("dialtrail._errors()") == [
        {"entity": "never", "kind": "undefined", "message": "still undefined 0.3 s after load"}
    ]


def test_activity_pings_renew_the_session_and_a_long_pause_starts_a_new_one(
    page: Page, site: StaticSite
) -> None:
    page.clock.install()
    open_page(page, site, "/readers.html", config(endpoint=collector(site)))
    first_session = page.evaluate("dialtrail.session().session")

    page.clock.run_for(20_000)  # no interaction: no ping
    page.mouse.click(5, 5)
    page.clock.run_for(15_000)
    [ping] = wait_for_sends(page, site, "ping")
    page.clock.fast_forward("31:00")
    page.mouse.click(5, 5)
    page.clock.run_for(15_000)

    first, second = wait_for_sends(page, site, "pageview", 2)
    assert (ping["session"], ping["values"]) == (first_session, {})
    assert (second["new_session"], second["url"]) == (True, first["url"])
    assert second["session"] != first_session == first["session"]


def test_entity_errors_are_batched_and_limited_to_three_per_entity(
    page: Page, site: StaticSite
) -> None:
    settings = config(
        entity("hostile", "hostile"),
        entity("bad_selector", 'text("div:no-such-pseudo-class")'),
        endpoint=collector(site),
    )
    open_page(page, site, "/readers.html", settings)

    for _ in range(4):
        page.evaluate("dialtrail.entities()")
    page.evaluate("window.dispatchEvent(new Event('pagehide'))")

    [report] = wait_for_sends(page, site, "errors")
    errors = report.pop("errors")
    assert report == {
        "visitor": page.evaluate("dialtrail.session().visitor"),
        "session": page.evaluate("dialtrail.session().session"),
        "page_view": page.evaluate("dialtrail.session().page_view"),
        "url": site.base_url + "/readers.html",
    }
    assert sorted((error["entity"], error["kind"]) for error in errors) == [
        *[("bad_selector", "selector")] * 3,
        *[("hostile", "exception")] * 3,
    ]
    assert all(0 < len(error["message"]) <= 300 for error in errors)


def test_js_is_refused_unless_the_project_allows_it(page: Page, site: StaticSite) -> None:
    open_page(page, site, "/readers.html", config(entity("title", "js:document.title")))

    refused = check(page, "js:document.title")
    page.wait_for_function("dialtrail._errors().length")
    [error] = page.evaluate("dialtrail._errors()")
    assert (refused["position"], "value" in refused) == (0, False)
    assert (error["entity"], error["kind"]) == ("title", "parse")

    open_page(page, site, "/readers.html", config(raw_js=True))
    assert check(page, "js:document.title") == {"value": "Readers"}
    assert check(page, "js:return document.title") == {"value": "Readers"}
    assert check(page, "js:(() => { throw new Error('boom'); })()")["kind"] == "exception"


def test_under_a_strict_csp_js_reports_a_csp_error_and_the_rest_works(
    page: Page, site: StaticSite, page_errors: list[str]
) -> None:
    site.headers["/readers.html?csp"] = STRICT_CSP
    settings = config(
        entity("visit_id", "r7k12_si"),
        entity("order_id", 'text("#order-id")'),
        entity("title", "js:document.title"),
        raw_js=True,
    )
    open_page(page, site, "/readers.html?csp", settings)

    page.wait_for_function("dialtrail._errors().length")
    assert page.evaluate("dialtrail.entities()") == {
        "visit_id": "v-20261127-8841",
        "order_id": "A-1001",
        "title": None,
    }
    errors = page.evaluate("dialtrail._errors()")
    assert {(error["entity"], error["kind"]) for error in errors} == {("title", "csp")}
    # Chromium lets code run from DevTools (page.evaluate, the console) evaluate strings despite
    # the CSP, so the check runs from a task of the page itself, as the script's reads do.
    later = "new Promise(done => setTimeout(() => done(dialtrail.check('js:1'))))"
    assert page.evaluate(later)["kind"] == "csp"
    assert page_errors == []


def test_a_throwing_getter_never_reaches_the_page(
    page: Page, site: StaticSite, page_errors: list[str]
) -> None:
    settings = config(
        entity("hostile_simple", "hostile.id", "simple"),
        entity("hostile_or", 'hostile || "fallback"'),
    )
    open_page(page, site, "/hostile.html", settings)

    entities = page.evaluate("dialtrail.entities()")
    page.evaluate("window.dispatchEvent(new Event('pagehide'))")
    kinds = {(e["entity"], e["kind"]) for e in page.evaluate("dialtrail._errors()")}
    assert entities == {"hostile_simple": None, "hostile_or": "fallback"}
    assert kinds == {("hostile_simple", "exception"), ("hostile_or", "exception")}
    assert "the site getter exploded" in check(page, "hostile")["error"]
    assert (page.evaluate(PAGE_ERRORS), page_errors) == ([], [])


def test_a_data_layer_that_is_not_an_array_is_left_alone(
    page: Page, site: StaticSite, page_errors: list[str]
) -> None:
    open_page(page, site, "/hostile.html", config(entity("user", 'datalayer("userId")')))

    assert page.evaluate("dialtrail.entities()") == {"user": None}
    assert page.evaluate("window.dataLayer") == "not an array"
    assert (page.evaluate(PAGE_ERRORS), page_errors) == ([], [])


def test_the_site_own_push_state_is_still_called_and_followed(
    page: Page, site: StaticSite, page_errors: list[str]
) -> None:
    open_page(page, site, "/hostile.html", config())
    first_page_view = page.evaluate("dialtrail.session().page_view")

    result = page.evaluate("history.pushState({step: 2}, '', '/hostile.html?step=2')")

    page.wait_for_function("page => dialtrail.session().page_view != page", arg=first_page_view)
    assert result == "the site result"
    assert page.evaluate("window.siteCalls") == [{"sameThis": True, "url": "/hostile.html?step=2"}]
    assert (page.evaluate(PAGE_ERRORS), page_errors) == ([], [])


def test_a_data_layer_push_that_cannot_be_wrapped_still_works(
    page: Page, site: StaticSite, page_errors: list[str]
) -> None:
    page.add_init_script("""
        window.dataLayer = [];
        Object.defineProperty(window.dataLayer, 'push', {
            value: function () { return Array.prototype.push.apply(this, arguments); },
            writable: false,
        });
    """)
    open_page(page, site, "/blank.html", config(entity("user", 'datalayer("userId")')))

    length = page.evaluate("dataLayer.push({userId: 'user-3'})")

    assert length == 1
    assert page.evaluate("dialtrail.entities()") == {"user": "user-3"}
    assert page_errors == []


def test_it_runs_without_cookies_storage_or_crypto(
    page: Page, site: StaticSite, page_errors: list[str]
) -> None:
    page.context.add_cookies([{"name": "a", "value": "present", "url": site.base_url}])
    page.add_init_script("""
        localStorage.setItem('visit_id', 'present');
        const refuse = () => { throw new DOMException('refused', 'SecurityError'); };
        Object.defineProperty(Document.prototype, 'cookie', {get: refuse, set: refuse});
        Object.defineProperty(window, 'localStorage', {get: refuse});
        Object.defineProperty(window, 'crypto', {value: undefined});
    """)
    open_page(page, site, "/blank.html", config(entity("stored", 'storage("visit_id")')))

    session = page.evaluate("dialtrail.session()")
    assert page.evaluate("window.crypto") is None
    assert all(CLIENT_ID.match(session[key]) for key in ("session", "visitor", "page_view"))
    assert page.evaluate("dialtrail.entities()") == {"stored": None}
    assert check(page, 'cookie("a") || "no cookie"') == {"value": "no cookie"}
    assert page_errors == []


def test_calls_queued_before_the_script_loaded_are_replayed(page: Page, site: StaticSite) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.add_init_script("window.dialtrail = [['debug', true]];")

    open_page(page, site, "/blank.html", config(entity("visit_id", "r7k12_si")))

    assert any(message.startswith("[dialtrail] send pageview") for message in messages)
    assert page.evaluate("dialtrail.push(['debug', false])") is False
    assert page.evaluate("Array.isArray(dialtrail)") is False


def test_without_a_config_only_the_console_api_exists(page: Page, site: StaticSite) -> None:
    page.goto(site.base_url + "/blank.html")

    assert page.evaluate("dialtrail.entities()") == {}
    assert page.evaluate("dialtrail.session()") == {
        "session": None,
        "visitor": None,
        "ga_client_id": None,
        "number": None,
        "page_view": None,
    }
    assert page.context.cookies() == []


def test_dialtrail_debug_in_the_url_logs_every_read_and_send(page: Page, site: StaticSite) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))

    open_page(page, site, "/readers.html#dialtrail-debug", config(entity("visit_id", "r7k12_si")))

    logged = [text for text in messages if text.startswith("[dialtrail]")]
    assert "[dialtrail] read visit_id v-20261127-8841" in logged
    assert any(text.startswith("[dialtrail] send pageview") for text in logged)


def test_nothing_is_logged_without_debug(page: Page, site: StaticSite) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))

    open_page(page, site, "/readers.html", config(entity("visit_id", "r7k12_si")))
    page.evaluate("dialtrail.entities()")

    assert [text for text in messages if text.startswith("[dialtrail]")] == []
