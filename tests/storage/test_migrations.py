"""Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from dialtrail.storage import migrate
from dialtrail.storage.engine import create_engine
from dialtrail.storage.models import metadata
from tests.support.databases import Database, settings_for, sqlite_url


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
