"""The admin's layout in Debian's Chromium: no page of a phone's width scrolls sideways, and a
short variable path in the Reads column stays on one line at a desktop's width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize

from tests.support.admin_browser import sign_in
from tests.support.collector import Visit, public_key
from tests.support.databases import Database
from tests.support.people import World, declare_entity
from tests.support.webhooks import create_webhook

pytestmark = pytest.mark.storage_agnostic

PHONE: ViewportSize = {"width": 390, "height": 844}
PROJECT_PAGES = (
    "dashboard",
    "reports",
    "entities",
    "entities/new",
    "numbers",
    "sessions",
    "calls",
    "webhooks",
    "installation",
    "settings",
)
ACCOUNT_PAGES = ("/admin/account/tokens", "/admin/users", "/admin/projects/new")


def seed(world: World, database: Database) -> None:
    declare_entity(world, name="visit_id", type="simple", value="r7k12_si")
    declare_entity(world, name="referral_code", type="expression", value='query("ref")')
    numbers = f"/api/v1/projects/{world.project_id}/numbers"
    for number in ("+380441110001", "+380441110002"):
        added = world.owner.client.post(numbers, json={"number": number, "label": "Billboard"})
        assert added.status_code == 201, added.text
    create_webhook(world, parameters=[{"name": "visit id", "value": "entity.visit_id"}])
    visit = Visit(world.base_url, public_key(database, world.project_id))
    value = "crm-42 from the spring campaign landing page, second variant"
    assert visit.page("https://shop.example.com/contacts", {"visit_id": value}).is_success
    error = {"entity": "visit_id", "kind": "undefined", "message": "r7k12_si is not defined"}
    assert visit.errors([error], url="https://shop.example.com/contacts?utm_source=news").is_success


def sideways_overflow(page: Page) -> int:
    overflow: int = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    return overflow


def test_no_main_page_scrolls_sideways_at_a_phones_width(
    page: Page, world: World, database: Database
) -> None:
    seed(world, database)
    sign_in(page, world, world.superuser.email)
    page.set_viewport_size(PHONE)
    paths = [f"/admin/projects/{world.project_id}/{slug}" for slug in PROJECT_PAGES]

    overflowing = {}
    for path in [*paths, *ACCOUNT_PAGES]:
        page.goto(world.base_url + path)
        assert page.locator("main h1").count() >= 1, path
        if sideways_overflow(page) > 0:
            overflowing[path] = sideways_overflow(page)

    assert overflowing == {}


def test_a_variable_path_in_the_reads_column_stays_on_one_line(
    page: Page, world: World, database: Database
) -> None:
    seed(world, database)
    sign_in(page, world, world.owner.email)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tracking entities"
    ).click()

    reads = page.get_by_test_id("reads").first
    assert reads.inner_text() == "r7k12_si"
    assert reads.evaluate("element => element.getClientRects().length") == 1


def test_the_admin_has_an_icon_and_favicon_ico_is_not_missing(page: Page, world: World) -> None:
    sign_in(page, world, world.owner.email)
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon == "/admin/static/favicon.svg"

    answer = page.request.get(world.base_url + "/favicon.ico")

    assert answer.status == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in answer.text()
