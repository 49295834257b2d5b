"""The browser infrastructure works end to end: Debian's Chromium talks to a real server.

Browser tests of the insertion script and the admin UI build on this fixture.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.people import World

pytestmark = pytest.mark.storage_agnostic


def test_a_page_calls_the_api_with_a_token(page: Page, world: World) -> None:
    page.goto(world.base_url + "/healthz")
    assert '"status":"ok"' in page.content()

    result = page.evaluate(
        """async (token) => {
            const response = await fetch('/api/v1/projects', {
                headers: {Authorization: 'Bearer ' + token},
            });
            return {status: response.status, body: await response.json()};
        }""",
        world.owner.token,
    )

    assert result["status"] == 200
    assert [item["name"] for item in result["body"]["items"]] == ["Acme"]


def test_a_page_without_a_token_is_refused(page: Page, world: World) -> None:
    page.goto(world.base_url + "/healthz")

    status = page.evaluate("async () => (await fetch('/api/v1/projects')).status")

    assert status == 401
