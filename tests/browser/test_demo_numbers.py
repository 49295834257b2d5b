"""The demo project of `make run`, in Chromium: its page shows a pool number in place of the
site's, in both spellings and in the tel: link, and a simulated call to it is attributed, after
the visit, with the GA client id of the page's example _ga cookie."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from playwright.sync_api import Page
from sqlalchemy import func, select

from dialtrail.demo import DEMO_ADMIN, seed_demo
from dialtrail.numbers.models import NumberLease
from dialtrail.webhooks.models import Webhook
from dialtrail.webhooks.signing import new_secret
from tests.support.clients import http_client
from tests.support.databases import Database
from tests.support.hooks import BOX, Clock, deliver
from tests.support.processes import database_url, run
from tests.support.receiver import receiving
from tests.support.server import serve


def test_the_demo_page_shows_a_pool_number_and_a_call_to_it_is_attributed(
    page: Page, database: Database
) -> None:
    from dialtrail.app import create_app

    with database.session() as db:
        seed_demo(db, database.settings)
        db.commit()
    with serve(create_app(database.settings, database.engine)) as base_url:
        key = run(database_url(database), "demo").stdout.split("/demo/")[1].split("/")[0]
        page.goto(f"{base_url}/demo/{key}/")
        page.wait_for_function("window.dialtrail && dialtrail.number()")
        number = page.evaluate("dialtrail.number()")
        link = page.locator("a.phone")

        assert number.startswith("+1212555014")  # one of the demo pool's five
        assert link.get_attribute("href") == "tel:" + number
        assert link.inner_text() == f"+1 (212) 555-{number[-4:]}"  # the page's own spelling
        session = page.evaluate("dialtrail.session().session")

        called = run(database_url(database), "simulate-call", "--project", "1", "--to", number)
    assert called.returncode == 0, called.stderr
    assert "session" in called.stdout
    assert session in called.stdout


def line_value(lines: list[str], label: str) -> str:
    """A value `dialtrail demo` printed, such as the password after "Password:"."""
    return next(line.split(label, 1)[1].split()[0] for line in lines if label in line)


def test_a_demo_visit_then_simulate_call_tells_one_story(page: Page, database: Database) -> None:
    """The README's demo flow: open the demo page, call the number it shows at once. The call
    starts after the visit (its page shows the visit's pages) and carries the GA client id of
    the page's example _ga cookie to the API, the call page and a webhook."""
    from dialtrail.app import create_app

    with database.session() as db:
        printed = seed_demo(db, database.settings)
        db.commit()
    token, password = line_value(printed, "API token:"), line_value(printed, "Password:")
    with receiving() as receiver, serve(create_app(database.settings, database.engine)) as base:
        add_webhook(database, receiver.url + "/hook")
        key = line_value(printed, "Demo website:").split("/demo/")[1].strip("/")
        page.goto(f"{base}/demo/{key}/")
        page.wait_for_function("window.dialtrail && dialtrail.number()")
        number, session = page.evaluate("[dialtrail.number(), dialtrail.session().session]")
        ga_cookie = page.evaluate("document.cookie.match(/(?:^|; )_ga=([^;]*)/)[1]")
        client_id = ga_cookie.removeprefix("GA1.1.")

        called = run(database_url(database), "simulate-call", "--project", "1", "--to", number)
        assert called.returncode == 0, called.stderr
        call_id = called.stdout.split("call ", 1)[1].split(":", 1)[0]
        with http_client(base, headers={"Authorization": f"Bearer {token}"}) as api:
            call = api.get(f"/api/v1/projects/1/calls/{call_id}").json()
            visit = api.get(f"/api/v1/projects/1/sessions/{session}").json()
        sign_in_as(page, base, DEMO_ADMIN, password)
        page.goto(f"{base}/admin/projects/1/calls/{call_id}")
        trail = page.get_by_test_id("trail").inner_text()
        call_page = page.content()
        assert deliver(database, Clock(datetime.now(UTC))) == 1
    assert re.fullmatch(r"GA1\.1\.\d+\.\d+", ga_cookie)
    assert (call["attribution"], call["session_id"]) == ("session", session)
    assert call["started_at"] >= visit["started_at"]  # the same ISO format, both UTC
    assert [view["title"] for view in call["trail"]["page_views"]] == ["Demo shop — home"]
    assert visit["ga_client_id"] == call["visit"]["ga_client_id"] == client_id
    # The page's example GA4 and Matomo cookies reach the session and the call's visit.
    assert re.fullmatch(r"[1-9]\d{9}", call["visit"]["ga_session_id"] or "")
    assert call["visit"]["ga_session_number"] == 1
    assert re.fullmatch(r"[0-9a-f]{16}", call["visit"]["matomo_visitor_id"] or "")
    assert visit["matomo_visitor_id"] == call["visit"]["matomo_visitor_id"]
    assert "Demo shop — home" in trail
    assert client_id in call_page
    assert json.loads(receiver.received[0].body) == {"ga": client_id}


def add_webhook(database: Database, url: str) -> None:
    with database.session() as db:
        db.add(
            Webhook(
                project_id=1,
                name="CRM",
                events=["call.completed"],
                url=url,
                parameters=[{"name": "ga", "value": "visit.ga_client_id"}],
                headers={},
                secret=BOX.seal(new_secret()),
            )
        )
        db.commit()


def sign_in_as(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/admin/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")


def test_headless_chromium_is_a_bot_and_sees_the_sites_own_number(
    page: Page, database: Database
) -> None:
    """With the production default (DIALTRAIL_LEASE_TO_BOTS=0), the test suite's own headless
    Chromium ("HeadlessChrome/…") gets no number from the pool; the other tests lease to bots."""
    from dialtrail.app import create_app

    with database.session() as db:
        seed_demo(db, database.settings)
        db.commit()
    production = database.settings.replace(lease_to_bots=False)
    with serve(create_app(production, database.engine)) as base_url:
        key = run(database_url(database), "demo").stdout.split("/demo/")[1].split("/")[0]
        with page.expect_response(lambda response: "/pageview" in response.url) as answered:
            page.goto(f"{base_url}/demo/{key}/")
        answer = answered.value.json()

    assert "HeadlessChrome" in page.evaluate("navigator.userAgent")
    assert answer["number"] == "+12125550123"  # the demo's default: its own site number
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(NumberLease)) == 0
