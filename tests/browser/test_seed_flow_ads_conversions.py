"""The seed as an ads conversion, in Chromium: a conversion and the files' credentials set up in
the admin only, visits arriving from a Google Ads click (gclid), an iOS Google click (gbraid) and
a Microsoft Advertising click (msclkid), calls to the numbers each visit was shown, and the
files the networks fetch, read with Python's csv module against the documented headers."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.support.admin_browser import shoot, sign_in
from tests.support.clients import http_client
from tests.support.collector import public_key
from tests.support.databases import Database
from tests.support.people import World
from tests.support.static_site import StaticSite, serve_folder
from tests.support.waiting import wait_for

SHOP = Path(__file__).parent / "fixtures" / "shop"
NUMBERS = ("+12125550171", "+12125550172", "+12125550173", "+12125550174")
COLUMNS = ["Conversion Name", "Conversion Time", "Conversion Value", "Conversion Currency"]
CLICKS = {
    "gclid": "EAIaIQobChMI-seed_1",
    "gbraid": "0AAAAAo-seed_2",
    "msclkid": "f894f652ea334e739002f7167ab8f8e3",
}


@pytest.fixture
def shop(world: World, database: Database, tmp_path: Path) -> Iterator[StaticSite]:
    project = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(project, json={"site_numbers": ["+12125550123"]})
    for number in NUMBERS:
        added = world.owner.client.post(f"{project}/numbers", json={"number": number})
        assert added.status_code == 201, added.text
    key = public_key(database, world.project_id)
    for page in SHOP.iterdir():
        html = page.read_text().replace("{{DIALTRAIL}}", world.base_url).replace("{{KEY}}", key)
        (tmp_path / page.name).write_text(html)
    with serve_folder(tmp_path) as site:
        yield site


@pytest.fixture
def admin_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def set_up_in_the_admin(page: Page, world: World) -> dict[str, str]:
    sign_in(page, world, world.owner.email)
    page.goto(f"{world.base_url}/admin/projects/{world.project_id}/ads-conversions")
    page.get_by_label("Conversion name").fill("Phone call")
    page.get_by_label("Only answered calls").check()
    page.get_by_label("Talked at least").fill("30")
    page.get_by_label("Value").fill("80")
    page.get_by_label("Currency").fill("usd")
    page.get_by_role("button", name="Add the conversion").click()
    page.wait_for_selector("[data-testid=conversion-name]")
    page.get_by_role("button", name="Issue a user name and password").click()
    username = page.get_by_test_id("issued-username").inner_text()
    password = page.get_by_test_id("issued-password").inner_text()
    page.reload()
    assert page.get_by_test_id("issued-password").count() == 0  # shown once
    return {
        "username": username,
        "password": password,
        "google": page.get_by_test_id("url-google").inner_text(),
        "microsoft": page.get_by_test_id("url-microsoft").inner_text(),
    }


def visit_from_a_click(browser: Browser, shop: StaticSite, parameter: str) -> tuple[str, str]:
    """A visitor lands from an ad: the session id and the number the page shows."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{shop.base_url}/index.html?{parameter}={CLICKS[parameter]}")
        page.wait_for_function("window.dialtrail && dialtrail.number()")
        return page.evaluate("dialtrail.session().session"), page.evaluate("dialtrail.number()")
    finally:
        context.close()


def call(world: World, call_id: str, number: str, talk_seconds: int) -> datetime:
    # Now, while the visit holds its number (not rounded down to the second: that could fall
    # before the lease began, the visit a moment ago, and the call would be nobody's). The
    # answer and the end fall a little ahead, within the clock skew the server allows.
    start = datetime.now(UTC)
    body = {"project_id": world.project_id, "call_id": call_id, "caller": "+12125550999",
            "called": number}  # fmt: skip
    events = [
        {"event": "started", "at": start},
        {"event": "answered", "at": start + timedelta(seconds=5)},
        {"event": "ended", "at": start + timedelta(seconds=5 + talk_seconds)},
    ]
    for event in events:
        moment = event["at"]
        assert isinstance(moment, datetime)
        fields = {**body, "event": event["event"], "at": moment.isoformat()}
        response = world.owner.client.post("/api/v1/telephony/events", json=fields)
        assert response.status_code == 201, response.text
    return start


def table(response: httpx.Response, click_column: str) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    time_zone, _, rest = response.text.partition("\r\n")
    assert time_zone == "Parameters:TimeZone=+0000"
    reader = csv.DictReader(io.StringIO(rest, newline=""))
    assert reader.fieldnames == [click_column, *COLUMNS]
    return list(reader)


def test_calls_from_ad_clicks_become_rows_of_the_files_the_networks_fetch(
    browser: Browser, admin_page: Page, world: World, shop: StaticSite, database: Database
) -> None:
    files = set_up_in_the_admin(admin_page, world)
    visits = {parameter: visit_from_a_click(browser, shop, parameter) for parameter in CLICKS}
    assert len({number for _, number in visits.values()}) == 3
    started = {
        parameter: call(world, f"CA-{parameter}", number, talk_seconds=45)
        for parameter, (_, number) in visits.items()
    }
    short_visit = visit_from_a_click(browser, shop, "gclid")  # talks 10 s: filtered out
    call(world, "CA-short", short_visit[1], talk_seconds=10)
    pair = base64.b64encode(f"{files['username']}:{files['password']}".encode()).decode()
    # The URLs the page gives are built from DIALTRAIL_BASE_URL, which the test server lacks:
    # their paths, on the test server.
    google_path, microsoft_path = (urlsplit(files[name]).path for name in ("google", "microsoft"))
    assert google_path == f"/conversions/{world.project_id}/google-ads.csv"
    fetcher = http_client(world.base_url, headers={"Authorization": f"Basic {pair}"})

    with fetcher:
        google = table(fetcher.get(google_path), "Google Click ID")
        microsoft = table(fetcher.get(microsoft_path), "Microsoft Click ID")
        refused = world.anonymous.get(google_path)

    assert google == [
        {
            "Google Click ID": CLICKS["gclid"],
            "Conversion Name": "Phone call",
            "Conversion Time": started["gclid"].strftime("%Y-%m-%d %H:%M:%S"),
            "Conversion Value": "80",
            "Conversion Currency": "USD",
        }
    ]
    assert [row["Microsoft Click ID"] for row in microsoft] == [CLICKS["msclkid"]]
    assert microsoft[0]["Conversion Time"] == started["msclkid"].strftime("%Y-%m-%d %H:%M:%S")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Basic")
    gbraid_session = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/sessions/{visits['gbraid'][0]}"
    ).json()
    assert (gbraid_session["gbraid"], gbraid_session["channel"]) == (
        CLICKS["gbraid"],
        "Paid Search",
    )
    admin_page.reload()
    preview = admin_page.get_by_test_id("rows-google")
    wait_for(lambda: preview.count() == 1, "the preview")
    assert CLICKS["gclid"] in preview.inner_text()
    shoot(admin_page, "ads-conversions", database)
