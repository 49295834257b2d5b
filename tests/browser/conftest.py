"""A real Chromium for browser tests; skipped loudly when absent unless it is required."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Error, Page, sync_playwright

from dialtrail.settings import TestSettings
from tests.conftest import SKIPPED_BECAUSE
from tests.support.browser import CHROMIUM_FLAGS, chromium_path


def unavailable(test_settings: TestSettings, reason: str) -> None:
    message = f"Chromium unavailable ({reason}); browser tests NOT RUN. Run `make test` "
    message += "(it installs Debian's chromium) or set DIALTRAIL_REQUIRE_BROWSER=1 to fail."
    if test_settings.require_browser:
        pytest.fail("DIALTRAIL_REQUIRE_BROWSER=1 but " + message, pytrace=False)
    SKIPPED_BECAUSE.append(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(test_settings: TestSettings) -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        unavailable(test_settings, "no chromium on PATH")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        except Error as error:
            unavailable(test_settings, f"{executable} did not start: {error.message[:200]}")
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()
