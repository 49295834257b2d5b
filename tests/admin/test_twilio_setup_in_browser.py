"""Project settings → Twilio in Debian's Chromium: the Voice URL copied with its button (the
admin's own script, under the strict CSP), the last request shown as accepted or as a
signature mismatch, and the warning without DIALTRAIL_BASE_URL; screenshots at 1280/390 px."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.support.admin_browser import ARTIFACTS, WIDTHS, sign_in
from tests.support.databases import Database
from tests.support.people import World
from tests.support.twilio import give_twilio_credentials, send, server_for_twilio

PUBLIC = "https://calls.example.com"


@pytest.fixture
def clipboard_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    yield context.new_page()
    context.close()


def shoot_section(page: Page, section: Locator, name: str, database: Database) -> None:
    """The section alone, at both widths: the settings page is long."""
    if database.backend != "sqlite":
        return  # one set of pictures is enough
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        section.screenshot(path=str(ARTIFACTS / f"{name}-{width_name}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def open_settings(page: Page, world: World, server: str) -> Locator:
    # Signed in on the plain-http test server (a server whose base URL is https sets Secure
    # cookies only); the sign-in lives in the shared database, and cookies ignore the port.
    page.goto(f"{server}/admin/projects/{world.project_id}/settings")
    return page.get_by_test_id("twilio-console")


def test_the_urls_copy_and_a_signed_request_shows_as_accepted(
    clipboard_page: Page, world: World, database: Database
) -> None:
    page = clipboard_page
    give_twilio_credentials(world)
    sign_in(page, world, world.owner.email)
    with server_for_twilio(database, PUBLIC) as server:
        section = open_settings(page, world, server)
        expect(section.get_by_test_id("twilio-last-request")).to_contain_text(
            "No request from Twilio has arrived yet"
        )
        voice_url = f"{PUBLIC}/telephony/twilio/{world.project_id}/voice"
        expect(section.get_by_test_id("twilio-voice-url")).to_have_text(voice_url)
        section.get_by_role("button", name="Copy the Voice URL").click()
        expect(section.locator(".copied").first).to_have_text("Copied.")
        assert page.evaluate("navigator.clipboard.readText()") == voice_url

        assert send(server, PUBLIC, world.project_id).status_code == 200
        page.reload()
        last = section.get_by_test_id("twilio-last-request")
        expect(last).to_contain_text("2026-03-02 12:00:00 (UTC), to /voice: accepted")
        expect(section.get_by_test_id("base-url-warning")).to_have_count(0)
        shoot_section(page, section, "project-settings-twilio", database)


def test_without_a_base_url_the_page_warns_and_shows_the_signature_mismatch(
    page: Page, world: World, database: Database
) -> None:
    give_twilio_credentials(world)
    sign_in(page, world, world.owner.email)
    with server_for_twilio(database, "") as server:
        # Twilio's console holds the public https URL; this server rebuilds its own address.
        assert send(server, PUBLIC, world.project_id, "status").status_code == 403
        section = open_settings(page, world, server)

        expect(section.get_by_test_id("base-url-warning")).to_contain_text(
            "DIALTRAIL_BASE_URL is not set"
        )
        expect(section.get_by_test_id("twilio-last-request")).to_contain_text(
            "to /status: signature mismatch"
        )
        expect(section.get_by_test_id("twilio-last-reason")).to_contain_text(
            f"missing or wrong X-Twilio-Signature for {database.settings.public_url}"
        )
        shoot_section(page, section, "project-settings-twilio-mismatch", database)
