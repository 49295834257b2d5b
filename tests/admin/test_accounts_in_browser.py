"""Self-service accounts in Debian's Chromium: changing your own password (your other browser
is signed out, this one stays), owners managing members (the last owner kept, said plainly),
and a superuser's password reset; screenshots at 1280 and 390 px."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.support.admin_browser import shoot, sign_in
from tests.support.databases import Database
from tests.support.people import PASSWORD, World

NEW = "violet staple river lamp"


def signed_in_elsewhere(browser: Browser, world: World, email: str) -> Page:
    """The same person (or another) in a browser of its own: its own cookies."""
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(other, world, email)
    return other


def test_changing_your_password_signs_out_your_other_browser_only(
    page: Page, browser: Browser, world: World, database: Database
) -> None:
    laptop = signed_in_elsewhere(browser, world, world.owner.email)
    sign_in(page, world, world.owner.email)
    page.get_by_role("link", name="Password").click()
    page.get_by_label("Current password").fill("my old one?")
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("New password again").fill(NEW)
    page.get_by_role("button", name="Change the password").click()
    expect(page.locator("#current_password-error")).to_have_text(
        "That is not your current password."
    )
    shoot(page, "account-password-error", database)

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("New password again").fill(NEW)
    page.get_by_role("button", name="Change the password").click()

    expect(page.get_by_test_id("flash")).to_have_text(
        "Your password was changed. 1 other sign-in was ended: that browser must sign in again."
    )
    shoot(page, "account-password-changed", database)
    page.get_by_role("navigation").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    laptop.reload()
    expect(laptop.get_by_label("E-mail address")).to_be_visible()
    laptop.context.close()


def test_an_owner_changes_roles_and_removes_a_member_but_keeps_an_owner(
    page: Page, browser: Browser, world: World, database: Database
) -> None:
    colleague = signed_in_elsewhere(browser, world, world.member.email)
    colleague.get_by_role("link", name="Members").click()
    expect(colleague.get_by_test_id("read-only")).to_be_visible()
    expect(colleague.get_by_test_id("role")).to_have_text(["owner", "member"])
    shoot(colleague, "members-read-only", database)

    sign_in(page, world, world.owner.email)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Members").click()
    page.get_by_label("Role of owner@example.com").select_option("member")
    page.get_by_role("button", name="Change the role of owner@example.com").click()
    expect(page.locator(".form-errors")).to_have_text(
        "Cannot make owner@example.com a member: owner@example.com is the only owner of Acme, "
        "and a project must keep at least one owner. Make another member an owner first."
    )
    shoot(page, "members-last-owner", database)

    page.get_by_label("Role of member@example.com").select_option("owner")
    page.get_by_role("button", name="Change the role of member@example.com").click()
    expect(page.get_by_test_id("flash")).to_have_text("member@example.com is now an owner of Acme.")
    shoot(page, "members", database)
    page.get_by_role("button", name="Remove member@example.com").click()
    expect(page.get_by_test_id("flash")).to_have_text("member@example.com was removed from Acme.")
    expect(page.get_by_test_id("member")).to_have_count(1)

    colleague.reload()
    expect(colleague.get_by_role("heading", name="Not found")).to_be_visible()
    colleague.context.close()


def test_a_superuser_resets_a_forgotten_password(
    page: Page, browser: Browser, world: World, database: Database
) -> None:
    forgetful = signed_in_elsewhere(browser, world, world.member.email)
    sign_in(page, world, world.superuser.email)
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Reset the password of member@example.com").click()
    page.get_by_label("New password for member@example.com").fill("short")
    page.get_by_role("button", name="Reset the password").click()
    expect(page.locator("#password-error")).to_have_text(
        "The password must have at least 8 characters."
    )
    shoot(page, "user-password-reset-error", database)
    page.get_by_label("New password for member@example.com").fill(NEW)
    page.get_by_role("button", name="Reset the password").click()

    expect(page.get_by_test_id("flash")).to_contain_text(
        "The password of member@example.com was changed. Their sign-in was ended"
    )
    shoot(page, "users-password-reset", database)
    forgetful.reload()
    expect(forgetful.get_by_label("E-mail address")).to_be_visible()
    forgetful.get_by_label("E-mail address").fill(world.member.email)
    forgetful.get_by_label("Password").fill(NEW)
    forgetful.get_by_role("button", name="Sign in").click()
    forgetful.wait_for_url("**/dashboard")
    forgetful.context.close()
