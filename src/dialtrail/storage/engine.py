"""Creating the database engine: SQLite by default, PostgreSQL by one URL.

SQLite runs in WAL mode with a busy timeout and foreign keys on. Every transaction starts with
``BEGIN IMMEDIATE``: it takes the single write lock up front, so two writers queue on the busy
timeout instead of both reading and then failing to upgrade (SQLITE_BUSY in the middle of a
request). That serialises writers, which is what SQLite does anyway.

Both hide a failed statement's parameter values (``hide_parameters``): they are visitors'
data (URLs, titles, entity values), and an error's message ends up in the server's log.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as sqlalchemy_create_engine
from sqlalchemy.orm import Session, sessionmaker

from dialtrail.settings import Settings, sqlite_path


def create_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        return create_sqlite_engine(settings.database_url, settings.sqlite_busy_timeout)
    return sqlalchemy_create_engine(
        settings.database_url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        hide_parameters=True,
    )


def create_sqlite_engine(database_url: str, busy_timeout: float) -> Engine:
    path = sqlite_path(database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        create_private_file(path)
    engine = sqlalchemy_create_engine(
        database_url,
        connect_args={"timeout": busy_timeout, "check_same_thread": False},
        hide_parameters=True,
    )
    event.listen(engine, "connect", configure_sqlite_connection)
    event.listen(engine, "begin", begin_immediate)
    return engine


def create_private_file(path: Path) -> None:
    """Creates the database file readable and writable by its owner only (0600), like
    var/secret_key: it holds visitors' data and sealed credentials. SQLite gives the -wal
    and -shm files it makes later the database file's own permissions. An existing file is
    left as it is (docs/deployment.md, "Files and permissions")."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)


def configure_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    # Take transaction control away from the sqlite3 module so that "begin" below decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before we answer 2xx, even across a power cut (NORMAL in WAL
    # mode may lose the last commits). The collector's group commit pays this once per batch.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
