"""dialtrail prune: old visits go, recent ones stay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dialtrail.app import create_app
from dialtrail.sessions.models import EntityObservation, PageView, Visitor, WebSession
from dialtrail.sessions.retention import parse_age, prune
from tests.support.processes import database_url, run
from tests.support.collector import Visit
from tests.support.databases import Database
from tests.support.server import serve

HOME = "https://shop.example.com/"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked_server(database: Database, clock: Clock) -> Iterator[str]:
    with serve(create_app(database.settings, database.engine, clock=clock)) as url:
        yield url


def rows(database: Database) -> dict[str, int]:
    models = {"visitors": Visitor, "sessions": WebSession, "page_views": PageView}
    models_and_observations = {**models, "observations": EntityObservation}
    with database.session() as session:
        return {
            name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in models_and_observations.items()
        }


def test_it_deletes_old_visits_and_keeps_recent_ones(
    visit: Visit, database: Database, clock: Clock, clocked_server: str
) -> None:
    visit.base_url = clocked_server
    clock.now = NOW - timedelta(days=100)
    visit.page(HOME, {"visit_id": "old"})
    recent = Visit(clocked_server, visit.key)
    clock.now = NOW - timedelta(days=10)
    recent.page(HOME, {"visit_id": "recent"})

    with database.session() as session:
        pruned = prune(session, NOW - timedelta(days=90))
        session.commit()

    assert (pruned.sessions, pruned.page_views, pruned.observations, pruned.visitors) == (
        1,
        1,
        1,
        1,
    )
    assert rows(database) == {"visitors": 1, "sessions": 1, "page_views": 1, "observations": 1}


def test_a_visitor_with_a_recent_session_is_kept(
    visit: Visit, database: Database, clock: Clock, clocked_server: str
) -> None:
    visit.base_url = clocked_server
    clock.now = NOW - timedelta(days=100)
    visit.page(HOME)
    again = Visit(clocked_server, visit.key, visitor=visit.visitor)
    clock.now = NOW
    again.page(HOME)

    with database.session() as session:
        pruned = prune(session, NOW - timedelta(days=90))
        session.commit()

    assert (pruned.sessions, pruned.visitors) == (1, 0)
    assert rows(database)["visitors"] == 1


@pytest.mark.parametrize(
    ("text", "age"),
    [("90d", timedelta(days=90)), ("12h", timedelta(hours=12)), ("2w", timedelta(weeks=2))],
)
def test_it_reads_ages(text: str, age: timedelta) -> None:
    assert parse_age(text) == age


def test_the_command_reports_what_it_deleted(database: Database) -> None:
    result = run(database_url(database), "prune", "--older-than", "90d")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("deleted 0 sessions")
    bad = run(database_url(database), "prune", "--older-than", "soon")
    assert bad.returncode == 1
    assert "90d" in bad.stderr
