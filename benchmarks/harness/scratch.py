"""A throwaway database for one benchmark run: created, migrated, seeded, counted, dropped.

SQLite: a file in a temporary directory. PostgreSQL: a database of its own on the server the
test suite uses (``DIALTRAIL_TEST_POSTGRES_URL``, read through dialtrail.settings), named
``dialtrail_bench_<random>`` and dropped at the end even when the run fails.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from dialtrail import settings
from dialtrail.entities.models import TrackingEntity
from dialtrail.entities.schemas import EntityCreate
from dialtrail.entities.service import create_entity
from dialtrail.projects.accounts import create_user
from dialtrail.projects.schemas import ProjectCreate
from dialtrail.projects.service import create_project
from dialtrail.sessions.models import EntityObservation, PageView, SessionValue, WebSession
from dialtrail.storage import engine as storage_engine
from dialtrail.storage import migrate

# Three session-scope expression entities, as a shop would declare them.
ENTITY_NAMES = ("visit_id", "cart", "user")


@dataclass(frozen=True)
class Scratch:
    backend: str
    url: str
    name: str  # the file or database name, to find its server processes


@contextlib.contextmanager
def database(
    backend: str, postgres_url: str | None = None, folder: str | None = None
) -> Iterator[Scratch]:
    """``folder``: where SQLite's file goes (default: the system's temporary folder)."""
    if backend == "sqlite":
        with sqlite_database(folder) as scratch:
            yield scratch
    else:
        server_url = postgres_url or settings.load_test_settings().test_postgres_url
        with postgres_database(server_url) as scratch:
            yield scratch


@contextlib.contextmanager
def sqlite_database(parent: str | None = None) -> Iterator[Scratch]:
    folder = Path(tempfile.mkdtemp(prefix="dialtrail-bench-", dir=parent))
    try:
        path = folder / "bench.sqlite3"
        yield Scratch("sqlite", f"sqlite:///{path}", path.name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[Scratch]:
    name = f"dialtrail_bench_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
            yield Scratch("postgresql", url, name)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def engine_for(url: str) -> Engine:
    return storage_engine.create_engine(settings.load({"DIALTRAIL_DATABASE_URL": url}))


@dataclass(frozen=True)
class Prepared:
    project_id: int
    public_key: str
    owner_id: int


def prepare(url: str) -> str:
    """Migrates the database and creates a user, a project (no domains, so any Origin is
    accepted) and its three entities; answers the project's public key."""
    return prepare_project(url).public_key


def prepare_project(url: str, projects: int = 1) -> Prepared:
    """What ``prepare`` does, answering the ids too (the project's owner is its user)."""
    return prepare_projects(url, projects)[0]


def prepare_projects(url: str, projects: int) -> list[Prepared]:
    """``projects`` projects like ``prepare``'s, of one owner, each with the three entities."""
    engine = engine_for(url)
    try:
        migrate.upgrade(engine)
        with storage_engine.create_session_factory(engine)() as session:
            owner = create_user(session, "bench@example.com", secrets.token_urlsafe(12))
            prepared = []
            for number in range(projects):
                name = "Benchmark shop" + (f" {number + 1}" if number else "")
                project = create_project(session, owner, ProjectCreate(name=name))
                for entity in ENTITY_NAMES:
                    body = EntityCreate(name=entity, type="expression", value=f"shop.{entity}")
                    create_entity(session, project, body)
                prepared.append(Prepared(project.id, project.public_key, owner.id))
            session.commit()
            return prepared
    finally:
        engine.dispose()


def count_rows(url: str) -> dict[str, int]:
    engine = engine_for(url)
    models = {
        "page_views": PageView,
        "sessions": WebSession,
        "entity_observations": EntityObservation,
        "session_values": SessionValue,
        "tracking_entities": TrackingEntity,
    }
    try:
        with engine.connect() as connection:
            return {
                table: connection.scalar(select(func.count()).select_from(model)) or 0
                for table, model in models.items()
            }
    finally:
        engine.dispose()
