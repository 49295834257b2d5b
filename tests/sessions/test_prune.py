"""dialtrail prune: old visits go, recent ones stay; expired admin sign-ins go too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dialtrail.admin import logins
from dialtrail.app import create_app
from dialtrail.numbers.models import NumberLease, TrackingNumber
from dialtrail.projects.models import LoginSession, User
from dialtrail.sessions import retention
from dialtrail.sessions.models import EntityObservation, PageView, Visitor, WebSession
from dialtrail.sessions.retention import parse_age, prune
from tests.support.admin import signed_in
from tests.support.call_rows import CallRows, SessionRow
from tests.support.collector import Visit
from tests.support.databases import Database
from tests.support.people import World
from tests.support.processes import database_url, run
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
    assert "deleted 0 expired admin sign-in sessions" in result.stdout
    bad = run(database_url(database), "prune", "--older-than", "soon")
    assert bad.returncode == 1
    assert "90d" in bad.stderr


def test_the_command_deletes_expired_admin_sign_ins_and_keeps_live_ones(
    world: World, database: Database
) -> None:
    live, _ = signed_in(world.base_url, world.owner.email)
    with database.session() as db:
        member = db.get(User, world.member.user_id)
        assert member is not None
        # The command reads the real clock: this one ended a day ago, 15 days after its start.
        logins.start(db, member, datetime.now(UTC) - timedelta(days=15), "old browser", "")
        db.commit()

    result = run(database_url(database), "prune", "--older-than", "90d")

    assert result.returncode == 0, result.stderr
    assert "deleted 1 expired admin sign-in sessions" in result.stdout
    with database.session() as db:
        left = list(db.scalars(select(LoginSession.user_id)))
    assert left == [world.owner.user_id]
    assert live.get("/admin/account/tokens").status_code == 200
    live.close()


def old_session_with_a_visit(call_rows: CallRows, entity_id: int) -> SessionRow:
    at = NOW - timedelta(days=100)
    session = call_rows.session(started_at=at)
    page_view = call_rows.page_view(session, HOME, at)
    call_rows.observe(session, entity_id, "crm", at, page_view)
    return session


def remaining_sessions(database: Database) -> set[int]:
    with database.session() as session:
        return set(session.scalars(select(WebSession.id)))


@pytest.mark.parametrize("batch", [retention.BATCH, 1])
def test_it_keeps_sessions_that_calls_refer_to_with_their_visits(
    world: World, database: Database, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(retention, "BATCH", batch)  # 1: every session is its own batch
    call_rows = CallRows(database, world.project_id)
    entity_id = call_rows.entity("visit_id")
    attributed, candidate, forgotten = (
        old_session_with_a_visit(call_rows, entity_id) for _ in "abc"
    )
    call_rows.call(
        NOW - timedelta(days=100), session=attributed, candidate_session_ids=[candidate.id]
    )

    with database.session() as session:
        pruned = prune(session, NOW - timedelta(days=90))
        session.commit()

    assert remaining_sessions(database) == {attributed.id, candidate.id}
    assert (pruned.sessions, pruned.page_views, pruned.observations) == (1, 1, 1)
    assert (pruned.kept_for_calls, pruned.visitors) == (2, 1)
    assert forgotten.id not in remaining_sessions(database)
    assert rows(database) == {"visitors": 2, "sessions": 2, "page_views": 2, "observations": 2}


def test_a_pruned_sessions_number_leases_go_with_it(world: World, database: Database) -> None:
    call_rows = CallRows(database, world.project_id)
    old = call_rows.session(started_at=NOW - timedelta(days=100))
    number_id = call_rows.add(
        TrackingNumber(project_id=world.project_id, number="+442079460958", kind="pool")
    )
    at = NOW - timedelta(days=100)
    call_rows.add(
        NumberLease(
            project_id=world.project_id,
            number_id=number_id,
            session_id=old.id,
            started_at=at,
            renewed_at=at,
            expires_at=at + timedelta(minutes=5),
            released_at=at + timedelta(minutes=5),
        )
    )

    with database.session() as session:
        prune(session, NOW - timedelta(days=90))
        session.commit()
        assert session.scalar(select(func.count()).select_from(NumberLease)) == 0
        assert session.scalar(select(func.count()).select_from(TrackingNumber)) == 1
