"""Statements run on the driver's cursor store what SQLAlchemy would, in any number of rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dialtrail.collector import store
from dialtrail.projects.models import Project
from dialtrail.sessions.models import Visitor
from dialtrail.storage import driver
from tests.support.collector import client_id
from tests.support.databases import Database

SEEN = datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=UTC)


def new_project_id(database: Database) -> int:
    with database.session() as db:
        project = Project(name="Driver", public_key=client_id())
        db.add(project)
        db.commit()
        return project.id


def visitor_rows(project_id: int, count: int) -> list[dict[str, object]]:
    return [
        {
            "project_id": project_id,
            "key": client_id(),
            "first_seen_at": SEEN,
            "last_seen_at": SEEN + timedelta(seconds=number),
        }
        for number in range(count)
    ]


def test_it_inserts_in_chunks_and_returns_every_row(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(driver, "MAX_PARAMETERS", 12)  # three visitors per statement
    project_id = new_project_id(database)
    rows = visitor_rows(project_id, 10)
    with database.session() as db:
        connection = db.connection()
        returned = store.driver_statements(connection).upsert_visitors.returning(connection, rows)
        db.commit()
    assert sorted(key for _, key, _ in returned) == sorted(str(row["key"]) for row in rows)
    with database.session() as db:
        stored = {v.key: v.id for v in db.scalars(select(Visitor))}
    assert {key: id for _, key, id in returned} == stored


def test_it_stores_times_exactly_as_sqlalchemy_does(database: Database) -> None:
    # Compared as the database holds them: on SQLite a time is text, and text in another
    # format would still read back equal but sort and compare wrongly in SQL.
    project_id = new_project_id(database)
    by_driver, by_orm = visitor_rows(project_id, 2)
    with database.session() as db:
        connection = db.connection()
        store.driver_statements(connection).upsert_visitors.returning(connection, [by_driver])
        db.add(Visitor(**by_orm))
        db.commit()
    with database.session() as db:
        raw = db.connection().exec_driver_sql(
            "SELECT key, first_seen_at, last_seen_at FROM visitors ORDER BY id"
        )
        stored = [tuple(row) for row in raw]
    expected = [(row["key"], SEEN, row["last_seen_at"]) for row in (by_driver, by_orm)]
    assert [type(value) for value in stored[0]] == [type(value) for value in stored[1]]
    assert stored[0][1] == stored[1][1]  # the same time, stored the same way
    assert [(key, read(first), read(last)) for key, first, last in stored] == expected


def read(value: object) -> datetime:
    """A time as stored (SQLite: text; PostgreSQL: a naive datetime) as an aware UTC one."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    assert value.tzinfo is None  # stored without a zone, in UTC
    return value.replace(tzinfo=UTC)


def test_an_upsert_keeps_the_row_and_returns_it_again(database: Database) -> None:
    project_id = new_project_id(database)
    row = visitor_rows(project_id, 1)[0]
    later = {**row, "last_seen_at": SEEN + timedelta(hours=1)}
    with database.session() as db:
        connection = db.connection()
        statement = store.driver_statements(connection).upsert_visitors
        first = statement.returning(connection, [row])
        again = statement.returning(connection, [later])
        db.commit()
    assert first == again
    with database.session() as db:
        visitor = db.scalars(select(Visitor)).one()
    assert (visitor.first_seen_at, visitor.last_seen_at) == (SEEN, SEEN + timedelta(hours=1))
