"""The SQLite database and its -wal and -shm files are readable by their owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from dialtrail.settings import load
from dialtrail.storage.engine import create_engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_is_private_to_its_owner(tmp_path: Path) -> None:
    database = tmp_path / "var" / "dialtrail.sqlite3"
    settings = load({"DIALTRAIL_DATABASE_URL": f"sqlite:///{database}"})
    engine = create_engine(settings)
    try:
        with engine.begin() as connection:  # a write: WAL mode makes -wal and -shm
            connection.execute(text("CREATE TABLE probe (value TEXT)"))
            connection.execute(text("INSERT INTO probe VALUES ('x')"))
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert all(path.exists() for path in files)
        assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
    finally:
        engine.dispose()


def test_an_existing_database_keeps_its_permissions(tmp_path: Path) -> None:
    """An operator's own choice (a backup group that reads it) is not undone at start."""
    database = tmp_path / "dialtrail.sqlite3"
    database.touch(mode=0o640)
    database.chmod(0o640)
    engine = create_engine(load({"DIALTRAIL_DATABASE_URL": f"sqlite:///{database}"}))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert mode(database) == 0o640
    finally:
        engine.dispose()
