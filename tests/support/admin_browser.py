"""Driving the admin UI in Chromium: signing in, and screenshots at a desktop and a phone width."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.support.databases import Database
from tests.support.people import PASSWORD, World

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "admin"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
HOSTILE = "<img src=x onerror=alert(1)>"


def sign_in(page: Page, world: World, email: str) -> None:
    page.goto(world.base_url + "/admin/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")


def shoot(page: Page, name: str, database: Database) -> None:
    if database.backend != "sqlite":
        return  # one set of pictures is enough
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width_name}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
