"""Which tests run on both databases (tests/conftest.py): a test that needs one runs on SQLite
and on PostgreSQL, unless it is marked storage_agnostic; then on SQLite only."""

from __future__ import annotations

import pytest

from tests.support.databases import Database


@pytest.mark.storage_agnostic
def test_a_storage_agnostic_test_gets_sqlite_only(database: Database) -> None:
    assert database.backend == "sqlite"


def test_an_unmarked_test_gets_the_backend_its_id_names(
    request: pytest.FixtureRequest, database: Database
) -> None:
    assert request.node.name.endswith(f"[{database.backend}]")
