"""Leasing's hot path reads rows through indexes only: no full scan of the leases or numbers and
no temporary sort, so a page view costs the same with ten open leases or ten thousand.

The plans are read from the databases themselves: EXPLAIN QUERY PLAN on SQLite; on PostgreSQL
EXPLAIN with sequential scans and sorts priced out (``enable_seqscan``/``enable_sort`` off), so
a plan still holding one means that no index can serve the statement. Each statement must use
exactly the indexes named here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Connection

from dialtrail.numbers.leasing import statements_for
from dialtrail.numbers.renewals import renew_sessions
from tests.support.databases import Database

PRIMARY_KEY = "primary key"
EXPECTED = {
    "latest_lease": {
        ("number_leases", "ix_number_leases_session_started"),
        ("tracking_numbers", PRIMARY_KEY),
    },
    "renew": {("number_leases", PRIMARY_KEY)},
    "renew_by_session": {
        ("number_leases", "uq_number_leases_open_session"),
        ("number_leases", PRIMARY_KEY),
    },
    "close_expired": {("number_leases", "ix_number_leases_open_expires")},
    "network_leases": {("number_leases", "ix_number_leases_open_network")},
    "pool_order": {("tracking_numbers", "ix_tracking_numbers_pool_order")},
    "pool_number": {("tracking_numbers", PRIMARY_KEY)},
    "pool_state": {("tracking_numbers", "ix_tracking_numbers_pool_order")},
    "count_lease": {("tracking_numbers", PRIMARY_KEY)},
    "extend_number": {("tracking_numbers", PRIMARY_KEY)},
    "extend_number_of_session": {
        ("tracking_numbers", PRIMARY_KEY),
        ("number_leases", "uq_number_leases_open_session"),
    },
    "mark_released": {("tracking_numbers", PRIMARY_KEY)},
}
TABLES = ("number_leases", "tracking_numbers")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_it_reads_leases_and_numbers_through_indexes_only(database: Database, name: str) -> None:
    with database.engine.connect() as connection:
        statement = statements_for(connection.dialect.name).hot_path()[name]
        if database.backend == "sqlite":
            used = sqlite_indexes(connection, statement)
        else:
            used = postgresql_indexes(connection, statement)
    assert used == EXPECTED[name]


def test_it_renews_a_batch_of_sessions_through_indexes_only(database: Database) -> None:
    """PostgreSQL's set-based renewal (numbers/renewals.py; SQLite runs renew_by_session and
    extend_number_of_session, above)."""
    if database.backend == "sqlite":
        pytest.skip("SQLite renews with the per-session statements checked above")
    with database.engine.connect() as connection:
        used = postgresql_indexes(connection, renew_sessions())
    # A session's leases by either index on session_id (both a look-up of a few rows).
    by_session = {"uq_number_leases_open_session", "ix_number_leases_session_started"}
    assert len([index for table, index in used if index in by_session]) == 1
    assert {(table, index) for table, index in used if index not in by_session} == {
        ("number_leases", PRIMARY_KEY),
        ("tracking_numbers", PRIMARY_KEY),
    }


def test_every_hot_statement_has_its_expected_plan() -> None:
    assert set(statements_for("sqlite").hot_path()) == set(EXPECTED)


def sqlite_indexes(connection: Connection, statement: Any) -> set[tuple[str, str]]:
    compiled = statement.compile(dialect=connection.dialect)
    values = compiled.construct_params(sample_values(compiled.params, text_times=True))
    arguments = tuple(values[name] for name in compiled.positiontup)
    plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", arguments).all()
    details = [str(row[-1]) for row in plan]
    assert not [detail for detail in details if "TEMP B-TREE" in detail], details
    used = set()
    for detail in details:
        words = detail.split()
        if len(words) < 2 or words[1] not in TABLES:
            continue
        assert words[0] == "SEARCH", f"a full scan: {detail}"
        used.add((words[1], sqlite_index_name(detail)))
    return used


def sqlite_index_name(detail: str) -> str:
    if "INTEGER PRIMARY KEY" in detail:
        return PRIMARY_KEY
    return detail.split(" INDEX ")[1].split()[0]


def postgresql_indexes(connection: Connection, statement: Any) -> set[tuple[str, str]]:
    compiled = statement.compile(dialect=connection.dialect)
    values = compiled.construct_params(sample_values(compiled.params, text_times=False))
    connection.exec_driver_sql("SET enable_seqscan = off")
    connection.exec_driver_sql("SET enable_sort = off")
    # On an empty table two indexes can cost exactly the same, and PostgreSQL then picks
    # either, by whatever statistics the tests before left behind (CI once saw pool_state
    # read uq_tracking_numbers_project_number): give it the numbers and leases of busy sites
    # (most leases long closed) and fresh statistics of them (all rolled back with the
    # connection; foreign keys unchecked meanwhile), so the plan is the one production gets.
    connection.exec_driver_sql("SET session_replication_role = replica")
    connection.exec_driver_sql(NUMBERS)
    connection.exec_driver_sql(OPEN_LEASES)
    connection.exec_driver_sql("ANALYZE tracking_numbers, number_leases")
    found = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", values).scalar_one()
    used = set()
    for node in plan_nodes(found[0]["Plan"]):
        assert "Sort" not in node["Node Type"], node
        if node.get("Relation Name") not in TABLES or node["Node Type"] == "ModifyTable":
            continue
        assert node["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"), node
        used.add((node["Relation Name"], postgresql_index_name(node)))
    return used


# Ten projects' numbers: mostly in their pools, some static, some removed.
NUMBERS = """
INSERT INTO tracking_numbers (id, project_id, number, kind, label, created_at, removed_at)
SELECT n, mod(n, 10) + 1, '+1212555' || lpad(n::text, 4, '0'),
  CASE WHEN mod(n, 7) = 0 THEN 'static' ELSE 'pool' END, '', now(),
  CASE WHEN mod(n, 11) = 0 THEN now() END
FROM generate_series(1, 2000) AS n
"""
OPEN_LEASES = """
INSERT INTO number_leases
  (project_id, number_id, session_id, shared, started_at, renewed_at, expires_at, network)
SELECT mod(n, 10) + 1, n, n, false, now(), now(), now() + interval '5 minutes', NULL
FROM generate_series(1, 2000) AS n;
INSERT INTO number_leases (project_id, number_id, session_id, shared, started_at, renewed_at,
  expires_at, released_at, network)
SELECT mod(n, 10) + 1, mod(n, 2000) + 1, n, false, now(), now(), now(), now(), NULL
FROM generate_series(2001, 20000) AS n
"""


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def postgresql_index_name(node: dict[str, Any]) -> str:
    if node["Node Type"] == "Bitmap Heap Scan":
        node = node["Plans"][0]
    assert "Index Cond" in node, f"an index read from end to end: {node}"
    name = str(node["Index Name"])
    return PRIMARY_KEY if name.startswith("pk_") else name


def sample_values(names: dict[str, Any], *, text_times: bool) -> dict[str, Any]:
    """Any values of the right kinds: the plans do not depend on them."""
    moment = datetime(2026, 11, 2, 9, 0)
    when: Any = moment.strftime("%Y-%m-%d %H:%M:%S.%f") if text_times else moment
    times = ("b_now", "b_expires", "b_padded", "b_at")
    texts = {"b_network": "0123456789abcdef0123456789abcdef"}
    return {name: when if name in times else texts.get(name, 1) for name in names}
