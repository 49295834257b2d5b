"""Reports and the dashboard in Debian's Chromium, with many groups and with none: drawn under
the page's CSP (no refusal), hostile campaign names shown as text (nothing runs), one click
from a group to its calls; screenshots at 1280 and 390 px (test-artifacts/admin/)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page

from dialtrail.sessions.channels import CHANNELS
from tests.support.admin_browser import HOSTILE, shoot, sign_in
from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World

pytestmark = pytest.mark.storage_agnostic

CAMPAIGNS = ["winter-sale", "brand", "retargeting", HOSTILE, "spring", "black-friday", "b2b"]


def csp_refusal(message: ConsoleMessage) -> str:
    return message.text if "Content Security Policy" in message.text else ""


def busy_month(rows: CallRows) -> None:
    """30 days of visits and calls over every channel and several campaigns (seeded)."""
    chance = random.Random(19)
    now = datetime.now(UTC)
    sessions = []
    for _ in range(60):
        started = now - timedelta(days=chance.uniform(0, 29), minutes=5)
        channel = chance.choice(CHANNELS[:10])
        sessions.append(
            (started, rows.session(started, channel=channel, utm_campaign=chance.choice(CAMPAIGNS)))
        )
    calls = []
    for _ in range(150):
        started, session = chance.choice(sessions)
        disposition = chance.choice(["answered", "answered", "no_answer", "busy"])
        calls.append(
            rows.call_row(
                started + timedelta(minutes=2),
                session,
                caller=f"+4420794600{chance.randint(10, 99)}",
                disposition=disposition,
                wait_seconds=chance.randint(3, 40),
                talk_seconds=chance.randint(30, 600) if disposition == "answered" else None,
            )
        )
    rows.add_many(calls)


def test_reports_and_dashboard_with_many_groups(
    page: Page, world: World, database: Database
) -> None:
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(csp_refusal(message)))
    dialogs: list[str] = []

    def noted(dialog: Dialog) -> None:  # a script that ran (alert) would open one
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", noted)
    busy_month(CallRows(database, world.project_id))

    sign_in(page, world, world.owner.email)
    assert page.get_by_test_id("top-channels").is_visible()
    shoot(page, "dashboard", database)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    chart = page.get_by_test_id("report-chart")
    assert chart.is_visible()
    assert chart.locator("rect").count() > 10
    shoot(page, "reports", database)
    page.get_by_label("Group by").select_option(label="Campaign")
    page.get_by_role("button", name="Filter").click()
    assert HOSTILE in page.get_by_test_id("legend").inner_text()
    assert HOSTILE in page.get_by_test_id("groups").inner_text()
    shoot(page, "reports-campaigns", database)

    first = page.get_by_test_id("groups").locator("tbody tr").first
    calls = int(first.locator("td").first.inner_text())
    first.get_by_role("link").click()
    page.wait_for_url("**/calls?**")
    assert page.get_by_test_id("calls").locator("tbody tr").count() == min(calls, 50)
    assert dialogs == []
    assert [refusal for refusal in refusals if refusal] == []


def test_reports_and_dashboard_of_an_empty_project(
    page: Page, world: World, database: Database
) -> None:
    sign_in(page, world, world.owner.email)

    assert page.get_by_test_id("getting-started").is_visible()
    shoot(page, "dashboard-empty", database)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    assert page.get_by_test_id("getting-started").is_visible()
    shoot(page, "reports-empty", database)
