"""A newcomer's first minutes in Debian's Chromium: the server's root leads to the sign-in
page (and, signed in, to the admin), and the Installation page names the project once."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.support.admin_browser import shoot, sign_in
from tests.support.databases import Database
from tests.support.people import World


def test_a_browser_opening_the_root_is_sent_to_sign_in_then_to_the_admin(
    page: Page, world: World, database: Database
) -> None:
    page.goto(world.base_url + "/")
    assert page.url == world.base_url + "/admin/login"
    assert page.get_by_role("button", name="Sign in").is_visible()
    shoot(page, "root-signed-out", database)

    sign_in(page, world, world.owner.email)
    page.goto(world.base_url + "/")

    assert page.url.startswith(world.base_url + "/admin/projects/")
    assert page.get_by_role("link", name="Installation").is_visible()


def test_installation_names_a_project_called_site_without_doubling_it(
    page: Page, world: World, database: Database
) -> None:
    created = world.owner.client.post("/api/v1/projects", json={"name": "Demo site"})
    assert created.status_code == 201, created.text
    sign_in(page, world, world.owner.email)

    page.goto(f"{world.base_url}/admin/projects/{created.json()['id']}/installation")

    where = " ".join(page.get_by_test_id("snippet-where").inner_text().split())
    assert "Demo site's site" not in page.content()
    assert "every page of your website (project Demo site)" in where
    shoot(page, "installation-demo-site", database)
