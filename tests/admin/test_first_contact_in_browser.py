"""A newcomer's first minutes in Debian's Chromium: the server's root leads to the sign-in
page (and, signed in, to the admin), the Installation page names the project once, and the
API docs render with nothing fetched from another machine and no Content-Security-Policy
violation."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route

from tests.support.admin_browser import shoot, sign_in
from tests.support.databases import Database
from tests.support.people import World


# Redirects only: the database cannot change where a browser is sent (SQLite only).
@pytest.mark.storage_agnostic
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


# The page's wording around a project's name: rendering, not storage (SQLite only).
@pytest.mark.storage_agnostic
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


LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


# The API docs are static assets and headers: no row is read (SQLite only).
@pytest.mark.storage_agnostic
def test_the_api_docs_render_offline_under_the_strict_policy(
    page: Page, world: World, database: Database
) -> None:
    outside: list[str] = []

    def only_this_machine(route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_this_machine)
    page.add_init_script(CSP_RECORDER)
    console = record_console(page)

    answer = page.goto(world.base_url + "/api/docs")
    page.locator(".opblock").first.wait_for()

    assert answer is not None
    assert answer.headers["content-security-policy"].startswith("default-src 'self'; script-src")
    assert page.locator(".opblock").count() > 20
    assert page.get_by_text("/api/v1/projects/{project_id}/numbers", exact=True).count() >= 1
    page.locator(".opblock-summary").first.click()
    page.get_by_role("button", name="Try it out").first.wait_for()
    assert outside == []
    assert page.evaluate("window.__cspViolations") == []
    assert [line for line in console if "Content Security Policy" in line] == []
    shoot(page, "api-docs", database)


CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def record_console(page: Page) -> list[str]:
    lines: list[str] = []
    page.on("console", lambda message: lines.append(message.text))
    page.on("pageerror", lambda error: lines.append(str(error)))
    return lines


def test_numbers_as_people_write_them_on_the_numbers_page(
    page: Page, world: World, database: Database
) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    assert world.owner.client.patch(project, json={"country": "US"}).is_success
    sign_in(page, world, world.owner.email)
    page.goto(f"{world.base_url}/admin/projects/{world.project_id}/numbers")

    page.get_by_label("Phone number").fill("+1 (212) 555-0140 ext. 5")
    page.get_by_role("button", name="Add the number").click()
    assert "has an extension (5)" in page.locator("#add-number-error").inner_text()
    assert page.get_by_label("Phone number").get_attribute("aria-invalid") == "true"
    shoot(page, "numbers-extension-refused", database)

    page.get_by_label("Phone number").fill("0044 20 7946 0958")
    page.get_by_role("button", name="Add the number").click()
    page.get_by_label("Phone number").fill("(212) 555-0141")
    page.get_by_role("button", name="Add the number").click()

    rows = page.get_by_test_id("numbers").locator("tbody tr")
    # Stored as E.164, shown as people read them.
    assert rows.locator("code").all_inner_texts() == ["+1 212-555-0141", "+44 20 7946 0958"]
    [warning] = page.get_by_test_id("number-warning").all_inner_texts()
    assert warning == (
        "A number of GB, not of the project's country (US): visitors would dial abroad to call it"
    )
    shoot(page, "numbers-foreign-warning", database)
