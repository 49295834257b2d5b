"""Project settings in Debian's Chromium: site numbers set in the UI are what the real snippet
replaces on the fixture shop (a plain-text number, no data attribute) with the visit's pool
number; a project created in the UI lands on its Installation page; screenshots at 1280/390 px."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.admin_browser import shoot, sign_in
from tests.support.databases import Database
from tests.support.people import World
from tests.support.static_site import StaticSite, serve_folder

pytestmark = pytest.mark.storage_agnostic

SHOP = Path(__file__).parents[1] / "browser" / "fixtures" / "shop"
POOL = ["+12125550191", "+12125550192"]
SITE_NUMBER = "+1 (212) 555-0100"
# The shop's own number as plain text: the script must find it by its digits alone.
PHONE = f'<p id="phone-text">Call us on {SITE_NUMBER} today.</p>'


def serve_shop(snippet: str, folder: Path) -> AbstractContextManager[StaticSite]:
    """The fixture shop carrying the snippet as the Installation page shows it."""
    for source in SHOP.iterdir():
        html = source.read_text()
        html = html.replace('<script async src="{{DIALTRAIL}}/s/{{KEY}}.js"></script>', snippet)
        (folder / source.name).write_text(html.replace("</body>", PHONE + "</body>"))
    return serve_folder(folder)


def set_site_numbers_in_the_ui(page: Page) -> None:
    page.get_by_role("link", name="Project settings").click()
    page.get_by_label("Site numbers, one a line").fill("+1 212 555\n" + SITE_NUMBER)
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_test_id("site_numbers-line-errors")).to_have_text(
        "Line 1: '+1 212 555' is not a valid phone number"
    )
    page.get_by_label("Site numbers, one a line").fill(SITE_NUMBER)
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_test_id("notice")).to_have_text("The settings were saved.")
    expect(page.get_by_label("Site numbers, one a line")).to_have_value("+12125550100")


def add_pool_numbers_in_the_ui(page: Page) -> None:
    page.get_by_role("link", name="Numbers").click()
    page.get_by_label("Numbers, one a line").fill("\n".join(POOL))
    page.get_by_role("button", name="Add these numbers").click()
    expect(page.get_by_test_id("status")).to_have_text(["free", "free"])


def test_site_numbers_set_in_the_ui_are_replaced_on_the_shop_by_a_pool_number(
    page: Page, world: World, database: Database, tmp_path: Path
) -> None:
    sign_in(page, world, world.owner.email)
    set_site_numbers_in_the_ui(page)
    shoot(page, "project-settings", database)
    add_pool_numbers_in_the_ui(page)
    page.get_by_role("link", name="Installation").click()
    snippet = page.locator("#snippet").inner_text()

    with serve_shop(snippet, tmp_path) as shop:
        visitor = page.context.new_page()
        visitor.goto(shop.base_url + "/index.html")
        shown = visitor.locator("#phone-text")
        expect(shown).not_to_have_text(f"Call us on {SITE_NUMBER} today.", timeout=15_000)
        text = shown.inner_text()

    found = re.fullmatch(r"Call us on (\+1 \(212\) 555-\d{4}) today\.", text)
    assert found is not None, text  # the page's own spelling is kept
    assert "+" + re.sub(r"\D", "", found.group(1)) in POOL


def test_a_project_created_in_the_ui_opens_on_its_installation_page(
    page: Page, world: World, database: Database
) -> None:
    sign_in(page, world, world.owner.email)
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Name").fill("Second shop")
    page.get_by_label("Domains, one a line").fill("https://second.example.com/")
    page.get_by_role("button", name="Create the project").click()
    expect(page.get_by_test_id("domains-line-errors")).to_contain_text("Line 1:")
    shoot(page, "project-new-error", database)
    page.get_by_label("Domains, one a line").fill("second.example.com")
    page.get_by_role("button", name="Create the project").click()

    page.wait_for_url("**/installation")
    expect(page.locator("#snippet")).to_contain_text("/s/")
    expect(page.get_by_label("Project", exact=True)).to_have_value(re.compile(r"\d+"))
    assert page.locator("#project-switcher option:checked").inner_text() == "Second shop"
    page.get_by_role("link", name="Project settings").click()
    page.get_by_role("link", name="Delete the project…").click()
    shoot(page, "project-delete", database)
    page.get_by_label("Type the project's name").fill("Second shop")
    page.get_by_role("button", name="Delete Second shop").click()
    page.wait_for_url("**/dashboard")
    assert page.locator("#project-switcher option").all_inner_texts() == ["Acme"]
