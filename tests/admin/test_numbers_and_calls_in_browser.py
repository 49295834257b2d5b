"""Numbers and the Calls journal in Debian's Chromium: the bulk paste's error at its line, the
removal's confirmation and draining notice, the usage chart under the page's CSP, and a
visitor's hostile entity value shown as text on the journal and the call page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page

from dialtrail.numbers.models import PoolUsage
from tests.support.admin_browser import ARTIFACTS, HOSTILE, shoot, sign_in
from tests.support.call_rows import NOW, CallRows, entity_snapshot
from tests.support.collector import Visit, public_key
from tests.support.databases import Database
from tests.support.people import World

pytestmark = pytest.mark.storage_agnostic

POOL = ["+380441110001", "+380441110002", "+380441110003"]


def record_usage(database: Database, project_id: int) -> None:
    """A week of hourly peaks, busier in the evenings, with the pool running out twice."""
    this_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with database.session() as session:
        for hours_ago in range(1, 24 * 7, 2):
            hour = this_hour - timedelta(hours=hours_ago)
            peak = 1 + (hour.hour % 12) // 3
            exhausted = 2 if hours_ago in (27, 75) else 0
            session.add(
                PoolUsage(
                    project_id=project_id,
                    hour=hour,
                    peak_sessions=peak + exhausted,
                    pool_size=3,
                    exhaustions=exhausted,
                )
            )
        session.commit()


def test_numbers_are_pasted_removed_and_the_pool_is_charted(
    page: Page, world: World, database: Database
) -> None:
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(csp_refusal(message)))
    page.on("dialog", lambda dialog: dialog.accept())  # "Remove …?" asks first
    record_usage(database, world.project_id)
    sign_in(page, world, world.owner.email)
    page.get_by_role("link", name="Numbers", exact=True).click()

    page.get_by_label("Numbers, one a line").fill(f"{POOL[0]}\n12\n{POOL[1]}\n{POOL[2]}")
    page.get_by_role("button", name="Add these numbers").click()
    assert page.get_by_test_id("line-errors").inner_text().startswith("Line 2:")
    assert page.get_by_label("Numbers, one a line").get_attribute("aria-invalid") == "true"
    shoot(page, "numbers-bulk-error", database)
    page.get_by_label("Numbers, one a line").fill(f"{POOL[0]}\n\n{POOL[1]}\n{POOL[2]}")
    page.get_by_role("button", name="Add these numbers").click()
    assert page.get_by_test_id("status").all_inner_texts() == ["free", "free", "free"]

    visit = Visit(world.base_url, public_key(database, world.project_id))
    leased = visit.page("https://shop.example.com/").json()["number"]
    page.reload()
    page.get_by_role("button", name=f"Remove {leased}").click()
    assert "is draining" in page.get_by_test_id("notice").inner_text()
    # 84 recorded hours, and this one: the visit's lease was counted as it was given.
    assert page.locator('[data-testid="usage-chart"] rect.peak').count() == 85
    assert page.locator('[data-testid="usage-chart"] path.exhausted').count() == 2
    assert page.get_by_test_id("recommendation").inner_text().startswith("Recommended pool size")
    shoot(page, "numbers", database)
    if database.backend == "sqlite":
        usage = page.locator("section", has=page.get_by_test_id("usage-chart"))
        usage.screenshot(path=str(ARTIFACTS / "numbers-usage.png"))
    assert [refusal for refusal in refusals if refusal] == []


def csp_refusal(message: ConsoleMessage) -> str:
    return message.text if "Content Security Policy" in message.text else ""


def test_a_hostile_entity_value_in_a_call_shows_as_text_and_runs_nothing(
    page: Page, world: World, database: Database
) -> None:
    rows = CallRows(database, world.project_id)
    visit_id = rows.entity("visit_id")
    session = rows.session(utm_source="newsletter", landing_page="https://shop.example.com/")
    view = rows.page_view(session, "https://shop.example.com/contacts", NOW - timedelta(minutes=2))
    rows.observe(session, visit_id, HOSTILE, NOW - timedelta(minutes=2), view)
    call_id = rows.call(
        NOW,
        session=session,
        disposition="answered",
        duration_seconds=95,
        visit={"utm_source": "newsletter", "page_url": "https://shop.example.com/contacts"},
        entities={"visit_id": entity_snapshot(HOSTILE, NOW - timedelta(minutes=2))},
    )
    rows.event(call_id, "started", NOW)
    rows.call(NOW - timedelta(hours=3), attribution="static", source_label="Billboard A40")
    dialogs: list[Dialog] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog)
        dialog.dismiss()

    page.on("dialog", record)

    sign_in(page, world, world.owner.email)
    page.get_by_role("link", name="Calls journal").click()
    assert page.get_by_test_id("entity-value").inner_text() == HOSTILE
    shoot(page, "calls", database)
    page.get_by_role("link", name="2026-11-27 12:00:00").click()
    assert page.get_by_test_id("snapshot-value").inner_text() == HOSTILE
    assert page.get_by_test_id("history-value").inner_text() == HOSTILE
    shoot(page, "call", database)

    assert page.locator("img").count() == 0
    assert dialogs == []
