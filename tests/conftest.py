"""Fixtures: storage tests run on SQLite and on PostgreSQL against a real server.

Which tests run on both databases (README.md, "Testing"): a test that uses the `database`,
`backend_database`, `server_url` or `world` fixture runs once per backend, unless it is marked
``storage_agnostic`` (its outcome cannot depend on the database: request validation,
authorisation, rendering, what a browser does); then it runs on SQLite only. When in doubt,
leave the mark off: a test that reads back what was stored, orders, counts, filters or pages
rows, writes concurrently, or checks constraints, transactions, times or text as stored runs
on both.

PostgreSQL is found at DIALTRAIL_TEST_POSTGRES_URL. When it cannot be reached, its tests are
skipped with a loud reason, unless DIALTRAIL_REQUIRE_POSTGRES=1 (set by .ci/run), which turns
that into a failure of the whole run. Under pytest-xdist every worker has its own session
fixtures: its own SQLite file, PostgreSQL database, servers and browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Error, sync_playwright

from dialtrail.app import create_app
from dialtrail.settings import TestSettings, load_test_settings
from dialtrail.wiring import wire
from tests.support.browser import CHROMIUM_FLAGS, chromium_path
from tests.support.databases import (
    Database,
    PostgresUnavailable,
    open_database,
    sqlite_url,
    throwaway_postgres,
)
from tests.support.people import World, build_world
from tests.support.server import serve

BACKENDS = ["sqlite", "postgresql"]
# Every loud skip's reason says this; the run's last lines repeat those reasons in red.
NOT_RUN = "NOT RUN"


def pytest_sessionstart(session: pytest.Session) -> None:
    # `PYTHONPATH=src` is relative: a `dialtrail` process a test starts in its tmp_path would
    # import the installed package instead (in a git worktree: the main checkout's code, not the
    # code under test). Processes started by tests import this checkout's src, whatever their cwd.
    paths = [part for part in os.environ.get("PYTHONPATH", "").split(os.pathsep) if part]
    checkout_source = str(Path(__file__).resolve().parents[1] / "src")
    absolute = [str(Path(part).resolve()) for part in paths]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([checkout_source, *absolute]))


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A ``storage_agnostic`` test gets the SQLite backend only; any other test that needs a
    backend gets both, from the fixture's own params. The mark goes first so that the test
    ids stay as they are (``test_x[sqlite-...]``)."""
    if "backend_database" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("storage_agnostic") is None:
        return
    only_sqlite = pytest.mark.parametrize("backend_database", ["sqlite"], indirect=True)
    metafunc.definition.add_marker(only_sqlite, append=False)


def pytest_configure(config: pytest.Config) -> None:
    # Tests call the services directly too, not only through the app: wire as start-up does.
    wire()


@pytest.fixture(scope="session")
def test_settings() -> TestSettings:
    return load_test_settings()


@pytest.fixture(scope="session")
def postgres_url(test_settings: TestSettings) -> Iterator[str]:
    try:
        with throwaway_postgres(test_settings.test_postgres_url) as url:
            yield url
    except PostgresUnavailable as error:
        reason = (
            f"PostgreSQL unreachable at {test_settings.test_postgres_url} ({error}); "
            f"PostgreSQL tests {NOT_RUN}. Set DIALTRAIL_TEST_POSTGRES_URL, or "
            "DIALTRAIL_REQUIRE_POSTGRES=1 to make this an error."
        )
        if test_settings.require_postgres:
            pytest.fail("DIALTRAIL_REQUIRE_POSTGRES=1 but " + reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session", params=BACKENDS)
def backend_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    if request.param == "sqlite":
        database = open_database("sqlite", sqlite_url(tmp_path_factory.mktemp("sqlite")))
    else:
        database = open_database("postgresql", request.getfixturevalue("postgres_url"))
    yield database
    database.engine.dispose()


@pytest.fixture
def database(backend_database: Database) -> Database:
    backend_database.wipe()
    return backend_database


@pytest.fixture(scope="session")
def server_url(backend_database: Database) -> Iterator[str]:
    app = create_app(backend_database.settings, backend_database.engine)
    with serve(app) as url:
        yield url


@pytest.fixture
def world(database: Database, server_url: str) -> Iterator[World]:
    people = build_world(database, server_url)
    yield people
    people.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # From the reports, not from this process's memory: under xdist the tests skip in the
    # workers, and only their reports reach the process that prints this summary.
    for reason in dict.fromkeys(loud_skip_reasons(terminalreporter)):
        terminalreporter.write_sep("!", "SKIPPED: " + reason, red=True, bold=True)


def loud_skip_reasons(terminalreporter: pytest.TerminalReporter) -> Iterator[str]:
    for report in terminalreporter.stats.get("skipped", []):
        if isinstance(report.longrepr, tuple) and NOT_RUN in report.longrepr[2]:
            yield report.longrepr[2].removeprefix("Skipped: ")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # pytest exits with 5 when it collected nothing; `make test` treats that as the failure it
    # is (an empty run proves nothing), and says why.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("\n!!! no tests were collected: this run proves nothing and fails on purpose !!!")


def unavailable(test_settings: TestSettings, reason: str) -> None:
    message = f"Chromium unavailable ({reason}); browser tests {NOT_RUN}. Run `make test` "
    message += "(it installs Debian's chromium) or set DIALTRAIL_REQUIRE_BROWSER=1 to fail."
    if test_settings.require_browser:
        pytest.fail("DIALTRAIL_REQUIRE_BROWSER=1 but " + message, pytrace=False)
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
