"""Issue 18's "done when", in Chromium: on the demo project of `make run`, Google Analytics 4,
Matomo and an Ads conversion are set up through the admin UI only; a visitor comes to the demo
website from a Google Ads click (the page sets example `_ga`, `_ga_<stream>` and `_pk_id`
cookies, as gtag.js and Matomo's tracker would), `dialtrail simulate-call` calls the number it
shows, and the call arrives as a GA4 event and a Matomo event at a local receiver standing in
for both (checked against the protocols' documented rules) and as a row of the Google Ads file,
fetched with the user name and password the admin issued."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import UTC, datetime

from playwright.sync_api import Browser, Page

from dialtrail.demo import DEMO_ADMIN, seed_demo
from tests.admin.test_integrations_in_browser import add_ga4_in_the_ui, add_matomo_in_the_ui
from tests.browser.test_demo_numbers import line_value, sign_in_as
from tests.support.analytics_protocols import ga4_request, matomo_request
from tests.support.clients import http_client
from tests.support.databases import Database
from tests.support.hooks import Clock, deliver
from tests.support.processes import database_url, run
from tests.support.receiver import receiving
from tests.support.server import serve
from tests.support.waiting import wait_for

GCLID = "EAIaIQobChMI-demo_call_1"


def add_conversion_in_the_ui(page: Page) -> tuple[str, str, str]:
    """An answered call is worth 80 USD; the files' user name, password and Google URL."""
    page.get_by_role("link", name="Ads conversions").first.click()
    page.get_by_label("Conversion name").fill("Phone call")
    page.get_by_label("Only answered calls").check()
    page.get_by_label("Value").fill("80")
    page.get_by_label("Currency").fill("USD")
    page.get_by_role("button", name="Add the conversion").click()
    page.wait_for_selector("[data-testid=conversion-name]")
    page.get_by_role("button", name="Issue a user name and password").click()
    username = page.get_by_test_id("issued-username").inner_text()
    password = page.get_by_test_id("issued-password").inner_text()
    return username, password, page.get_by_test_id("url-google").inner_text()


def visit_from_an_ad_click(browser: Browser, demo_url: str) -> dict[str, str]:
    """The number the demo page shows, the session, and the ids its example cookies hold."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{demo_url}?gclid={GCLID}")
        page.wait_for_function("window.dialtrail && dialtrail.number() && window.r7k12_si")
        cookies = {cookie["name"]: cookie["value"] for cookie in context.cookies()}
        number, session = page.evaluate("[dialtrail.number(), dialtrail.session().session]")
        page.get_by_role("link", name="Contacts").click()  # pagehide sends the visit id
        page.wait_for_load_state()
        # The example cookies of the stream and site the integrations name, which the script
        # reads (the demo page's defaults are another stream and site).
        ga4_cookie = cookies["_ga_K3Q9ZL2M7P"]
        matomo_cookie = next(value for name, value in cookies.items() if name.startswith("_pk_"))
        assert [name for name in cookies if name.startswith("_pk_")] == ["_pk_id.7.d3m0"]
        return {
            "number": number,
            "session": session,
            "client_id": cookies["_ga"].removeprefix("GA1.1."),
            "ga_session_id": re.search(r"^GS2\.1\.s(\d+)\$", ga4_cookie)[1],  # type: ignore[index]
            "matomo_visitor_id": matomo_cookie.split(".")[0],
        }
    finally:
        context.close()


def test_a_demo_call_shows_up_in_ga4_matomo_and_the_google_ads_file(
    page: Page, browser: Browser, database: Database
) -> None:
    from dialtrail.app import create_app

    with database.session() as db:
        printed = seed_demo(db, database.settings)
        db.commit()
    password = line_value(printed, "Password:")
    demo_path = "/demo/" + line_value(printed, "Demo website:").split("/demo/")[1]
    with receiving() as receiver, serve(create_app(database.settings, database.engine)) as base:
        sign_in_as(page, base, DEMO_ADMIN, password)
        page.get_by_role("link", name="All integrations").click()
        add_ga4_in_the_ui(page, receiver.url)
        # Site 7, not the demo page's own default (1): the page must follow the integration.
        add_matomo_in_the_ui(page, receiver.url, site_id="7")
        username, secret, google_url = add_conversion_in_the_ui(page)
        visit = visit_from_an_ad_click(browser, base + demo_path)
        token = line_value(printed, "API token:")
        with http_client(base, headers={"Authorization": f"Bearer {token}"}) as api:
            sessions = f"/api/v1/projects/1/sessions/{visit['session']}"
            wait_for(
                lambda: "visit_id" in api.get(sessions).json()["entities"],
                "the visit id to reach the server",
            )

        called = run(
            database_url(database), "simulate-call", "--project", "1", "--to", visit["number"]
        )
        assert called.returncode == 0, called.stderr
        assert deliver(database, Clock(datetime.now(UTC))) == 2
        pair = base64.b64encode(f"{username}:{secret}".encode()).decode()
        google_path = google_url.split("://", 1)[1].partition("/")[2]
        with http_client(base, headers={"Authorization": f"Basic {pair}"}) as fetcher:
            google_file = fetcher.get("/" + google_path)

    now = datetime.now(UTC)
    by_path = {received.path: received for received in receiver.received}
    body = ga4_request(by_path["/mp/collect"], now)
    assert body["client_id"] == visit["client_id"]
    assert body["events"][0]["params"]["session_id"] == visit["ga_session_id"]
    assert body["events"][0]["params"]["visit_id"].startswith("demo-")  # the demo's entity
    fields = matomo_request(by_path["/matomo.php"], now)
    assert fields["_id"] == visit["matomo_visitor_id"]
    assert (fields["e_c"], fields["e_a"]) == ("Phone calls", "answered")
    assert google_file.status_code == 200, google_file.text
    time_zone, _, rest = google_file.text.partition("\r\n")
    assert time_zone == "Parameters:TimeZone=+0000"
    (row,) = csv.DictReader(io.StringIO(rest, newline=""))
    assert (row["Google Click ID"], row["Conversion Name"]) == (GCLID, "Phone call")
    assert (row["Conversion Value"], row["Conversion Currency"]) == ("80", "USD")
