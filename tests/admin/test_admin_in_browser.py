"""The admin UI in Debian's Chromium: sign in, add an entity (a bad expression first), see a
visitor's hostile value as text on every page, and a screenshot of every page at two widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, Page

from tests.support.admin_browser import HOSTILE, shoot, sign_in
from tests.support.collector import Visit, public_key
from tests.support.databases import Database
from tests.support.people import World

pytestmark = pytest.mark.storage_agnostic


def test_it_adds_an_entity_through_the_form_after_showing_where_the_expression_is_wrong(
    page: Page, world: World, database: Database
) -> None:
    page.goto(world.base_url + "/admin/")
    shoot(page, "sign-in", database)
    sign_in(page, world, world.owner.email)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tracking entities"
    ).click()
    shoot(page, "entities-empty", database)
    page.get_by_role("link", name="Add an entity").click()

    page.get_by_label("Name", exact=True).fill("visit_id")
    page.get_by_label("Value", exact=True).fill('cookie("visit") ||')
    page.get_by_role("button", name="Add the entity").click()

    error = page.locator("#value-error")
    assert "at position 18" in error.inner_text()
    assert page.get_by_test_id("pointer").inner_text() == 'cookie("visit") ||\n' + " " * 18 + "^"
    assert page.get_by_label("Value", exact=True).get_attribute("aria-invalid") == "true"
    shoot(page, "entity-form-error", database)

    page.get_by_label("Value", exact=True).fill('cookie("visit") || r7k12_si')
    page.get_by_role("button", name="Add the entity").click()
    page.wait_for_url("**/entities")

    row = page.locator("tbody tr")
    assert row.count() == 1
    assert "visit_id" in row.inner_text()
    assert "dialtrail.entities().visit_id" in row.inner_text()


def test_a_whole_cookie_value_shows_what_it_forwards_and_saves_once_confirmed(
    page: Page, world: World, database: Database
) -> None:
    sign_in(page, world, world.owner.email)
    page.goto(f"{world.base_url}/admin/projects/{world.project_id}/entities/new")
    page.get_by_label("Name", exact=True).fill("cookies")
    page.get_by_label("Value", exact=True).fill("window.document.cookie")
    page.get_by_role("button", name="Add the entity").click()

    warning = page.get_by_test_id("sensitive-warning")
    assert "every cookie of the site (document.cookie)" in warning.inner_text()
    # The field says what to do in the form's words, not the API's (confirm_sensitive)
    assert "Forward it anyway" in page.locator("#value-error").inner_text()
    shoot(page, "entity-form-sensitive", database)
    page.get_by_label("Forward it anyway: I know what it sends").check()
    page.get_by_role("button", name="Add the entity").click()
    page.wait_for_url("**/entities")

    assert "window.document.cookie" in page.locator("tbody tr").inner_text()


def test_a_hostile_value_shows_as_text_on_every_page_and_runs_nothing(
    page: Page, world: World, database: Database
) -> None:
    entities = f"/api/v1/projects/{world.project_id}/tracking-entities"
    seed = {"name": "visit_id", "type": "expression", "value": "r7k12_si"}
    assert world.owner.client.post(entities, json=seed).status_code == 201
    visit = Visit(world.base_url, public_key(database, world.project_id))
    assert visit.page("https://shop.example.com/?utm_source=news", {"visit_id": HOSTILE}).is_success
    dialogs: list[Dialog] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog)
        dialog.dismiss()

    page.on("dialog", record)

    sign_in(page, world, world.owner.email)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tracking entities"
    ).click()
    assert page.get_by_test_id("last-value").inner_text() == HOSTILE
    shoot(page, "entities", database)
    page.get_by_role("link", name="Sessions").click()
    shoot(page, "sessions", database)
    page.get_by_role("link", name=visit.session).click()
    assert page.get_by_test_id("current-value").inner_text() == HOSTILE
    assert page.get_by_test_id("history-value").inner_text() == HOSTILE
    shoot(page, "session", database)

    assert page.locator("img").count() == 0
    assert dialogs == []


def test_every_other_page_renders_at_both_widths(
    page: Page, world: World, database: Database
) -> None:
    visit = Visit(world.base_url, public_key(database, world.project_id))
    assert visit.page("https://shop.example.com/contacts").is_success
    sign_in(page, world, world.superuser.email)

    page.get_by_role("link", name="Installation").click()
    assert "shop.example.com/contacts" in page.get_by_test_id("last-seen").inner_text()
    snippet = page.locator("#snippet").inner_text()
    key = public_key(database, world.project_id)
    assert snippet == f'<script async src="{world.base_url}/s/{key}.js"></script>'
    shoot(page, "installation", database)

    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name of a new token").fill("CRM import")
    page.get_by_role("button", name="Create a token").click()
    assert page.get_by_test_id("new-token").inner_text().startswith("dt_")
    shoot(page, "tokens", database)

    page.get_by_role("link", name="Users").click()
    shoot(page, "users", database)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_label("Project", exact=True).first.select_option(label="Other")
    # From an account page the chosen project opens as after sign-in, on its dashboard.
    page.wait_for_url(f"**/projects/{world.other_project_id}/dashboard")
