"""Entity health with the real script in Chromium: a path the page never defines, in a simple
or an expression entity, is reported "still undefined" after load + simple_retry_ms, and the
health (API and admin page) shows it next to "value on 0 of the last 1 page view"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.admin import signed_in
from tests.support.collector import public_key
from tests.support.databases import Database
from tests.support.people import World, declare_entity
from tests.support.static_site import StaticSite, serve_folder
from tests.support.waiting import wait_for

SHOP = Path(__file__).parent / "fixtures" / "shop"


@pytest.fixture
def shop(world: World, database: Database, tmp_path: Path) -> Iterator[StaticSite]:
    """The fixture shop (it defines r7k12_si, and no `shop`), its snippet pointing at the
    real Dialtrail server."""
    key = public_key(database, world.project_id)
    for page in SHOP.iterdir():
        html = page.read_text().replace("{{DIALTRAIL}}", world.base_url).replace("{{KEY}}", key)
        (tmp_path / page.name).write_text(html)
    with serve_folder(tmp_path) as site:
        yield site


def health(world: World) -> dict[str, Any]:
    url = f"/api/v1/projects/{world.project_id}/tracking-entities"
    found: dict[str, Any] = world.owner.client.get(url).json()["items"][0]["health"]
    return found


@pytest.mark.parametrize("entity_type", ["simple", "expression"])
def test_a_path_the_page_never_defines_shows_in_the_entitys_health(
    page: Page, world: World, shop: StaticSite, entity_type: str
) -> None:
    declare_entity(world, name="shop_visit", type=entity_type, value="shop.visit.id")
    page.goto(shop.base_url + "/index.html")
    page.wait_for_function("window.dialtrail && dialtrail.session().session")

    shown = wait_for(lambda: (found := health(world))["error_count"] and found, "a report")
    client, _ = signed_in(world.base_url, world.owner.email)
    try:
        listing = client.get(f"/admin/projects/{world.project_id}/entities").text
    finally:
        client.close()

    assert shown["last_error"]["kind"] == "undefined"
    assert shown["last_error"]["message"] == "still undefined 5 s after load"
    assert shown["last_error"]["page_url"] == shop.base_url + "/index.html"
    assert (shown["last_value"], shown["recent_with_value"], shown["recent_page_views"]) == (
        None,
        0,
        1,
    )
    assert "last: still undefined 5 s after load" in listing
    assert "value on 0 of the last 1 page view<" in listing
