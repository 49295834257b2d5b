"""Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from dialtrail.models import metadata
from dialtrail.settings import TestSettings
from dialtrail.storage import migrate
from dialtrail.storage.engine import create_engine
from tests.support.databases import Database, settings_for, sqlite_url, throwaway_postgres


def test_the_migrations_match_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_the_database_is_at_the_latest_revision(database: Database) -> None:
    assert migrate.current_revision(database.engine) == migrate.head_revision()
    assert migrate.is_up_to_date(database.engine)


def test_migrating_twice_changes_nothing(database: Database) -> None:
    migrate.upgrade(database.engine)
    assert migrate.is_up_to_date(database.engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine(settings_for(sqlite_url(tmp_path)).replace(sqlite_busy_timeout=2.5))
    with engine.connect() as connection:
        journal = connection.execute(text("PRAGMA journal_mode")).scalar()
        foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
        timeout = connection.execute(text("PRAGMA busy_timeout")).scalar()
    engine.dispose()
    assert (journal, foreign_keys, timeout) == ("wal", 1, 2500)


def test_a_sqlite_file_is_created_with_its_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'nested' / 'dialtrail.sqlite3'}"
    engine = create_engine(settings_for(url))
    migrate.upgrade(engine)
    engine.dispose()
    assert (tmp_path / "var" / "nested" / "dialtrail.sqlite3").is_file()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, test_settings: TestSettings
) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    request.getfixturevalue("postgres_url")  # skips or fails loudly without PostgreSQL
    with throwaway_postgres(test_settings.test_postgres_url) as url:
        yield url


def test_upgrading_keeps_what_an_older_schema_held(empty_database_url: str) -> None:
    engine = create_engine(settings_for(empty_database_url))
    migrate.upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO projects (id, name, public_key, domains, site_numbers, timezone,"
                " allow_raw_js, hold_seconds, on_pool_exhausted, late_call_seconds,"
                " created_at, updated_at) VALUES (1, 'Old', 'key', '[]', '[]', 'UTC', false, 300,"
                " 'reuse_oldest', 1800, '2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO tracking_entities (project_id, name, type, scope, value, keep,"
                " enabled, description, created_at, updated_at) VALUES (1, 'visit_id',"
                " 'expression', 'session', 'r7k12_si', 'last', true, '',"
                " '2026-01-01', '2026-01-01')"
            )
        )

    migrate.upgrade(engine)

    with engine.connect() as connection:
        row = connection.execute(text("SELECT name, error_count FROM tracking_entities")).one()
    engine.dispose()
    assert tuple(row) == ("visit_id", 0)


def test_a_downgrade_is_refused_with_the_way_back(database: Database) -> None:
    config = migrate.alembic_config(database.engine)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        with pytest.raises(migrate.ForwardOnly, match="restore the backup"):
            command.downgrade(config, "0001")
    assert migrate.is_up_to_date(database.engine)


def test_upgrading_counts_each_numbers_open_leases(empty_database_url: str) -> None:
    """0009: numbers get leased_until and open_leases computed from the leases they had."""
    engine = create_engine(settings_for(empty_database_url))
    migrate.upgrade(engine, "0008")
    with engine.begin() as connection:
        for statement in OLD_POOL:
            connection.execute(text(statement))

    migrate.upgrade(engine)

    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT number, open_leases, leased_until FROM tracking_numbers ORDER BY id")
        ).all()
    engine.dispose()
    assert [(number, count, str(until)[:19]) for number, count, until in rows] == [
        ("+380441110001", 1, "2026-01-01 10:05:00"),  # its open lease's end
        ("+380441110002", 0, "2026-01-01 09:30:00"),  # released then
        ("+380441110003", 0, "1970-01-01 00:00:00"),  # never leased: first in the pool
    ]


OLD_POOL = [
    "INSERT INTO projects (id, name, public_key, domains, site_numbers, timezone, allow_raw_js,"
    " hold_seconds, on_pool_exhausted, late_call_seconds, created_at, updated_at) VALUES (1,"
    " 'Old', 'key', '[]', '[]', 'UTC', false, 300, 'reuse_oldest', 1800, '2026-01-01',"
    " '2026-01-01')",
    "INSERT INTO visitors (id, project_id, key, first_seen_at, last_seen_at) VALUES (1, 1, 'v',"
    " '2026-01-01 09:00:00', '2026-01-01 09:00:00')",
    "INSERT INTO sessions (id, project_id, visitor_id, key, started_at, last_activity_at,"
    " landing_page, referrer, user_agent, ip, page_views) VALUES (1, 1, 1, 's',"
    " '2026-01-01 09:00:00', '2026-01-01 10:00:00', '', '', '', '', 1)",
    "INSERT INTO tracking_numbers (id, project_id, number, kind, label, created_at,"
    " last_released_at) VALUES (1, 1, '+380441110001', 'pool', '', '2026-01-01', NULL),"
    " (2, 1, '+380441110002', 'pool', '', '2026-01-01', '2026-01-01 09:30:00.000000'),"
    " (3, 1, '+380441110003', 'pool', '', '2026-01-01', NULL)",
    "INSERT INTO number_leases (project_id, number_id, session_id, shared, started_at,"
    " renewed_at, expires_at, released_at) VALUES"
    " (1, 1, 1, false, '2026-01-01 10:00:00', '2026-01-01 10:00:00',"
    " '2026-01-01 10:05:00.000000', NULL),"
    " (1, 2, 1, false, '2026-01-01 09:00:00', '2026-01-01 09:25:00',"
    " '2026-01-01 09:30:00.000000', '2026-01-01 09:30:00.000000')",
]


def test_upgrading_counts_every_attempt_of_a_resent_delivery(empty_database_url: str) -> None:
    """0011: a delivery resent before (its count restarted at 0) gets every logged attempt
    counted, those before the resend outside the retry schedule."""
    engine = create_engine(settings_for(empty_database_url))
    migrate.upgrade(engine, "0009")
    with engine.begin() as connection:
        for statement in OLD_DELIVERIES:
            connection.execute(text(statement))

    migrate.upgrade(engine)

    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, attempts, unscheduled_attempts, retry_planned_at"
                " FROM webhook_deliveries ORDER BY id"
            )
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, 3, 2, None),  # resent after 2 attempts, tried once since
        (2, 2, 0, None),  # never resent
    ]


OLD_DELIVERIES = [
    OLD_POOL[0],
    "INSERT INTO webhooks (id, project_id, name, events, url, method, format, parameters,"
    " headers, filters, date_format, enabled, secret, created_at, updated_at) VALUES (1, 1,"
    " 'CRM', '[\"call.completed\"]', 'https://crm.example.com/hook', 'POST', 'json', '[]',"
    " '{}', '[]', 'iso8601', true, 'sealed', '2026-01-01', '2026-01-01')",
    "INSERT INTO webhook_deliveries (id, webhook_id, project_id, event, message_id, data,"
    " occurred_at, status, attempts, created_at) VALUES"
    " (1, 1, 1, 'call.completed', 'msg_1', '{}', '2026-01-01', 'pending', 1, '2026-01-01'),"
    " (2, 1, 1, 'call.completed', 'msg_2', '{}', '2026-01-01', 'pending', 2, '2026-01-01')",
    "INSERT INTO webhook_attempts (delivery_id, attempted_at, request_method, request_url)"
    " VALUES (1, '2026-01-01 10:00:00', 'POST', 'u'), (1, '2026-01-01 10:00:05', 'POST', 'u'),"
    " (1, '2026-01-02 10:00:00', 'POST', 'u'), (2, '2026-01-01 10:00:00', 'POST', 'u'),"
    " (2, '2026-01-01 10:00:05', 'POST', 'u')",
]


def test_upgrading_moves_twilio_credentials_to_their_own_table(empty_database_url: str) -> None:
    """0012: a project's Twilio SID and sealed token go to twilio_settings, and the other
    tables' rows, which cascade from projects, stay (no table rebuild on SQLite)."""
    engine = create_engine(settings_for(empty_database_url))
    migrate.upgrade(engine, "0011")
    with engine.begin() as connection:
        connection.execute(text(OLD_POOL[0]))
        connection.execute(
            text(
                "INSERT INTO projects (id, name, public_key, domains, site_numbers, timezone,"
                " allow_raw_js, hold_seconds, on_pool_exhausted, late_call_seconds, created_at,"
                " updated_at, twilio_account_sid, twilio_auth_token) VALUES (2, 'Twilio', 'k2',"
                " '[]', '[]', 'UTC', false, 300, 'reuse_oldest', 1800, '2026-01-01',"
                " '2026-01-01', 'AC0123', 'sealed-token')"
            )
        )
        connection.execute(text(OLD_POOL[1]))

    migrate.upgrade(engine)

    with engine.connect() as connection:
        moved = connection.execute(
            text("SELECT project_id, account_sid, auth_token FROM twilio_settings")
        ).all()
        visitors = connection.execute(text("SELECT count(*) FROM visitors")).scalar()
        columns = {column["name"] for column in inspect(connection).get_columns("projects")}
    engine.dispose()
    assert [tuple(row) for row in moved] == [(2, "AC0123", "sealed-token")]
    assert visitors == 1
    assert not {"twilio_account_sid", "twilio_auth_token"} & columns


def test_upgrading_gives_every_session_its_channel(empty_database_url: str) -> None:
    """0016: sessions get sessions.channel, classified from what they already hold."""
    engine = create_engine(settings_for(empty_database_url))
    migrate.upgrade(engine, "0012")
    with engine.begin() as connection:
        for statement in OLD_POOL[:3]:
            connection.execute(text(statement))
        connection.execute(
            text(
                "INSERT INTO sessions (id, project_id, visitor_id, key, started_at,"
                " last_activity_at, landing_page, referrer, user_agent, ip, page_views,"
                " utm_source, utm_medium) VALUES (2, 1, 1, 't', '2026-01-01 09:00:00',"
                " '2026-01-01 09:00:00', '', '', '', '', 1, 'google', 'cpc'),"
                " (3, 1, 1, 'u', '2026-01-01 09:00:00', '2026-01-01 09:00:00', '',"
                " 'https://www.bing.com/', '', '', 1, NULL, NULL)"
            )
        )

    migrate.upgrade(engine)

    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, channel FROM sessions ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, "Direct"),
        (2, "Paid Search"),
        (3, "Organic Search"),
    ]


def test_upgrading_sums_the_rolled_days_per_group(empty_database_url: str) -> None:
    """0024: each rolled day and group gets its calls summed over its rows per caller, the
    callers counted without the row of calls with no caller, so the day stays rolled."""
    engine = create_engine(settings_for(empty_database_url))
    migrate.upgrade(engine, "0023")
    with engine.begin() as connection:
        connection.execute(text(OLD_POOL[0]))
        connection.execute(
            text(
                "INSERT INTO report_call_days (project_id, dimension, day, group_key, caller,"
                " calls, answered, missed, first_time_callers, wait_seconds, waits,"
                " talk_seconds, talks) VALUES"
                " (1, 'channel', '2026-01-01', 'Email', '+1', 2, 1, 1, 1, 30, 2, 60, 1),"
                " (1, 'channel', '2026-01-01', 'Email', '+2', 1, 1, 0, 0, 5, 1, 10, 1),"
                " (1, 'channel', '2026-01-01', 'Email', NULL, 3, 0, 3, 0, 0, 0, 0, 0),"
                " (1, 'channel', '2026-01-02', 'Email', '+1', 1, 0, 0, 0, 0, 0, 0, 0),"
                " (1, 'channel', '2026-01-01', NULL, '+3', 1, 0, 1, 1, 7, 1, 0, 0)"
            )
        )

    migrate.upgrade(engine)

    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT CAST(day AS TEXT), group_key, calls, answered, missed,"
                " first_time_callers, callers, wait_seconds, waits, talk_seconds, talks"
                " FROM report_call_sums"
            )
        ).all()
    engine.dispose()
    assert sorted((tuple(row) for row in rows), key=str) == sorted(
        [
            ("2026-01-01", "Email", 6, 2, 4, 1, 2, 35, 3, 70, 2),
            ("2026-01-01", None, 1, 0, 1, 1, 1, 7, 1, 0, 0),
            ("2026-01-02", "Email", 1, 0, 0, 0, 1, 0, 0, 0, 0),
        ],
        key=str,
    )
