"""Project settings → Telnyx and Vonage in Debian's Chromium: the keys typed and saved, a
mistake shown at its field, the URLs copied with their buttons (the admin's own script, under
the strict CSP), the last request as accepted or as a signature mismatch; screenshots of each
section at 1280 and 390 px."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.calls.test_telnyx import API_KEY, PUBLIC_KEY
from tests.calls.test_vonage import SIGNATURE_SECRET
from tests.support.admin_browser import ARTIFACTS, WIDTHS, sign_in
from tests.support.databases import Database
from tests.support.people import World
from tests.support.providers import give_vonage_keys, send_vonage, server_for_providers

PUBLIC = "https://calls.example.com"
AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def clipboard_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    yield context.new_page()
    context.close()


def shoot_section(page: Page, section: Locator, name: str, database: Database) -> None:
    if database.backend != "sqlite":
        return  # one set of pictures is enough
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        section.screenshot(path=str(ARTIFACTS / f"{name}-{width_name}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_owner_sets_up_telnyx_and_copies_its_webhook_url(
    clipboard_page: Page, world: World, database: Database
) -> None:
    page = clipboard_page
    sign_in(page, world, world.owner.email)
    with server_for_providers(database, PUBLIC) as (server, _):
        page.goto(f"{server}/admin/projects/{world.project_id}/settings")
        section = page.get_by_test_id("telnyx-section")
        section.get_by_label("Public key").fill("not base64!")
        section.get_by_label("API key").fill(API_KEY)
        section.get_by_role("button", name="Save the Telnyx keys").click()

        section = page.get_by_test_id("telnyx-section")
        expect(section.locator("#telnyx_public_key-error")).to_contain_text("base64")
        expect(section.get_by_label("API key")).to_have_value("")  # never shown again
        shoot_section(page, section, "project-settings-telnyx-error", database)
        section.get_by_label("Public key").fill(PUBLIC_KEY)
        section.get_by_label("API key").fill(API_KEY)
        section.get_by_role("button", name="Save the Telnyx keys").click()

        expect(page.get_by_test_id("notice")).to_have_text("The settings were saved.")
        section = page.get_by_test_id("telnyx-section")
        expect(section.get_by_test_id("telnyx-status")).to_contain_text("configured")
        expect(section.get_by_label("Public key")).to_have_value(PUBLIC_KEY)
        url = f"{PUBLIC}/telephony/telnyx/{world.project_id}/webhook"
        section.get_by_role("button", name="Copy the Webhook URL").click()
        expect(section.locator(".copied")).to_have_text("Copied.")
        assert page.evaluate("navigator.clipboard.readText()") == url
        shoot_section(page, section, "project-settings-telnyx", database)


def test_the_vonage_section_shows_the_last_request_and_copies_its_urls(
    clipboard_page: Page, world: World, database: Database
) -> None:
    page = clipboard_page
    give_vonage_keys(world)
    sign_in(page, world, world.owner.email)
    with server_for_providers(database, PUBLIC, clock=lambda: AT) as (server, _):
        page.goto(f"{server}/admin/projects/{world.project_id}/settings")
        section = page.get_by_test_id("vonage-section")
        expect(section.get_by_test_id("vonage-last-request")).to_contain_text(
            "No request from Vonage has arrived yet"
        )
        answer_url = f"{PUBLIC}/telephony/vonage/{world.project_id}/answer"
        section.get_by_role("button", name="Copy the Answer URL").click()
        assert page.evaluate("navigator.clipboard.readText()") == answer_url

        stale = AT - timedelta(minutes=6)
        replayed = send_vonage(server, world.project_id, "answer", "answer", AT, signed_at=stale)
        assert replayed.status_code == 403
        page.reload()
        expect(section.get_by_test_id("vonage-last-request")).to_contain_text(
            "2026-03-02 12:00:00 (UTC), to /answer: signature mismatch"
        )
        expect(section.get_by_test_id("vonage-last-reason")).to_contain_text("more than 5 minutes")
        expect(section.get_by_test_id("vonage-status")).to_contain_text("configured")
        expect(section.get_by_label("Signature secret", exact=True)).to_have_value("")
        assert SIGNATURE_SECRET not in page.content()
        shoot_section(page, section, "project-settings-vonage", database)
