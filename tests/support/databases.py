"""Test databases: a SQLite file and a throw-away PostgreSQL database, both migrated once.

Every test that touches storage runs on both backends (tests/conftest.py says which tests run
on SQLite only). Each test starts with empty tables
(the schema is migrated once per run and the data wiped before each test, which is much
faster than re-creating the schema and just as clean).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import ip_network
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from dialtrail.collector.deriver import CATCH_UP_PROJECTS, catch_up
from dialtrail.models import metadata
from dialtrail.settings import Settings, load
from dialtrail.storage import migrate
from dialtrail.storage.engine import create_engine, create_session_factory


class PostgresUnavailable(Exception):
    pass


@dataclass
class Database:
    backend: str
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def session(self) -> Session:
        """A session that sees every collector event acknowledged so far: what the deriver
        has not reached yet is derived first, as the API and a call's attribution do (tests
        of the deriver itself read through ``sessions``)."""
        with self.sessions() as db:
            catch_up(db)
            db.commit()
        return self.sessions()

    def wipe(self) -> None:
        # DELETE on both backends. PostgreSQL's TRUNCATE gives every table and index a new
        # file: 0.1-0.8 s a test here (most of a small test's time), where deleting the few rows
        # a test leaves takes milliseconds. Children go before their parents.
        with self.engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())
            # Ids are never reused (AUTOINCREMENT, sequences); restart their counters too.
            connection.execute(text(RESTART_COUNTERS[self.backend]))
        # Project 1 of the next test is another project: the deriver must not remember this
        # one's entities (ids are reused only here, never in production).
        CATCH_UP_PROJECTS.forget()


RESTART_COUNTERS = {
    "sqlite": "DELETE FROM sqlite_sequence",
    "postgresql": (
        "SELECT setval(sequence.oid, 1, false) FROM pg_class AS sequence "
        "JOIN pg_namespace AS schema ON schema.oid = sequence.relnamespace "
        "WHERE sequence.relkind = 'S' AND schema.nspname = current_schema()"
    ),
}


TEST_SECRET_KEY = "test-secret-key-of-at-least-32-characters"


def settings_for(database_url: str) -> Settings:
    # A fixed key: tests must not write var/secret_key into the checkout. Webhook receivers
    # of tests listen on 127.0.0.1 (the guard itself is tested in tests/webhooks/test_outbound.py).
    # Numbers are leased to bots in tests: httpx ("python-httpx/…") and headless Chromium
    # ("HeadlessChrome") are bots by numbers/gate.py's rules; tests/numbers/test_lease_gate.py
    # turns this off (docs/configuration.md, DIALTRAIL_LEASE_TO_BOTS).
    return load({}).replace(
        database_url=database_url,
        secret_key=TEST_SECRET_KEY,
        webhook_allow_private=True,
        # Scripted PBXs listen on 127.0.0.1 too (the networks rule is tested with its
        # default in tests/calls/test_pbx_networks.py).
        pbx_allowed_networks=(*load({}).pbx_allowed_networks, ip_network("127.0.0.0/8")),
        lease_to_bots=True,
        # One server takes every test's visits from 127.0.0.1: at the default rate, a fast run
        # met 429s that quietly dropped page views. The limit's own tests use a strict server.
        collector_rate=100_000.0,
        collector_burst=100_000,
    )


def open_database(backend: str, database_url: str) -> Database:
    settings = settings_for(database_url)
    engine = create_engine(settings)
    migrate.upgrade(engine)
    return Database(backend, settings, engine, create_session_factory(engine))


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'dialtrail-test.sqlite3'}"


@contextmanager
def throwaway_postgres(server_url: str) -> Iterator[str]:
    """A fresh database on the server named by ``server_url``, dropped afterwards."""
    url = make_url(server_url)
    name = f"dialtrail_test_{secrets.token_hex(4)}"
    admin = admin_engine(server_url)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # A commit need not wait for its WAL to reach the disk (~10 ms a commit here, and
            # the suite commits tens of thousands of times). Only a crash of the PostgreSQL
            # server itself could lose the last commits: what each session sees, locks and
            # isolation are unchanged, and no test crashes the server (tests kill `dialtrail`).
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)
        admin.dispose()


def admin_engine(server_url: str) -> Engine:
    from sqlalchemy import create_engine as sqlalchemy_create_engine

    engine = sqlalchemy_create_engine(
        server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        engine.dispose()
        raise PostgresUnavailable(f"{type(error).__name__}: {error}".splitlines()[0]) from error
    return engine


def drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
