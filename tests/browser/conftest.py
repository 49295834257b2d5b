"""Pages of the real Chromium (the browser itself is a session fixture of tests/conftest.py,
shared by every folder that drives it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.support.static_site import StaticSite, serve_folder

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def served() -> Iterator[StaticSite]:
    """tests/browser/fixtures served with the script and a test's configuration, the server also
    acting as the collector (tests/support/static_site.py); one server per test module."""
    with serve_folder(FIXTURES) as site:
        yield site


@pytest.fixture
def site(served: StaticSite) -> StaticSite:
    served.reset()
    return served
