"""The collector's journal (docs/design.md §3): the hot path appends one row per event and
nothing else (a lease aside); the deriver applies the rows once, in order; applying them again
(a replay) changes nothing and restores what went missing; a call catches up first.

The test servers run without their deriver thread (lifespan off), so an event stays in the
journal until something catches up: ``database.sessions()`` reads without catching up,
``database.session()`` catches up first (tests/support/databases.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from dialtrail.collector import batch, deriver
from dialtrail.collector.models import DeriverProgress, JournalEvent
from dialtrail.sessions.models import EntityObservation, PageView, SessionValue, WebSession
from dialtrail.storage.base import Base
from tests.support.collector import Visit
from tests.support.databases import Database
from tests.support.people import World
from tests.support.waiting import wait_for

HOME = "https://shop.example.com/"


def journal_rows(database: Database) -> list[JournalEvent]:
    with database.sessions() as db:
        return list(db.scalars(select(JournalEvent).order_by(JournalEvent.id)))


def count(database: Database, model: type[Base]) -> int:
    with database.sessions() as db:
        found: int = db.scalar(select(func.count()).select_from(model)) or 0
        return found


def test_an_acknowledged_page_view_is_a_journal_row_and_nothing_else(
    database: Database, visit: Visit
) -> None:
    response = visit.page(HOME + "?utm_source=mail", {"visit_id": "v-1"})

    assert response.status_code == 200
    (row,) = journal_rows(database)
    assert (row.kind, row.session_key) == ("pageview", visit.session)
    assert json.loads(row.payload)["values"] == {"visit_id": "v-1"}
    assert row.ip == "127.0.0.0"  # truncated before it is stored
    assert count(database, WebSession) == 0  # not derived yet: the project has no pool
    assert count(database, PageView) == 0


def test_catching_up_derives_every_acknowledged_event_once(
    database: Database, visit: Visit
) -> None:
    visit.page(HOME, {"visit_id": "first"})
    visit.ping({"visit_id": "second"})

    with database.sessions() as db:
        assert deriver.catch_up(db) == 2
        assert deriver.catch_up(db) == 0  # nothing left: progress moved with the writes
        db.commit()
        through = db.scalar(select(DeriverProgress.derived_through))
        value = db.scalar(select(SessionValue.value))
    assert through == journal_rows(database)[-1].id
    assert value == "second"
    assert count(database, EntityObservation) == 2


def test_a_ping_whose_page_view_waits_in_the_journal_is_accepted(
    database: Database, visit: Visit
) -> None:
    assert visit.page(HOME).status_code == 200
    assert count(database, WebSession) == 0  # the page view is not derived yet

    assert visit.ping({"visit_id": "v"}).status_code == 204


def test_a_ping_of_a_session_nobody_recorded_is_still_404(visit: Visit) -> None:
    response = visit.ping({"visit_id": "v"})

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_session"


def replay_since(database: Database, offset: timedelta) -> int:
    """Replays the rows received since now + ``offset``."""
    now = datetime.now(UTC)
    return deriver.replay(database.sessions, now + offset, now)


def tables(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every derived table's rows, ids included."""
    with database.sessions() as db:
        return {
            model.__tablename__: sorted(
                tuple(getattr(row, column.key) for column in model.__table__.columns)
                for row in db.scalars(select(model))
            )
            for model in (WebSession, PageView, EntityObservation, SessionValue)
        }


def a_few_visits(world: World, database: Database, visit: Visit) -> None:
    visit.page(HOME, {"visit_id": "a"})
    visit.ping({"visit_id": "b"})
    visit.page(HOME + "cart", {"visit_id": "c"})
    other = Visit(visit.base_url, visit.key)
    other.page(HOME + "?utm_campaign=x", {"visit_id": "z"})
    other.ping({"visit_id": None})


def test_replaying_the_journal_leaves_the_tables_as_they_are(
    world: World, database: Database, visit: Visit
) -> None:
    a_few_visits(world, database, visit)
    with database.session():
        pass  # caught up
    before = tables(database)

    replayed = deriver.replay(
        database.sessions, datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC)
    )

    assert replayed == 5
    assert tables(database) == before


def test_a_replay_restores_what_a_faulty_derivation_lost(
    world: World, database: Database, visit: Visit
) -> None:
    a_few_visits(world, database, visit)
    with database.session():
        pass  # caught up
    before = tables(database)
    with database.sessions() as db:  # a bug that lost a ping's observation
        db.execute(delete(EntityObservation).where(EntityObservation.value == "b"))
        db.commit()
    assert tables(database) != before

    replay_since(database, timedelta(hours=-1))

    after = tables(database)
    assert after["sessions"] == before["sessions"]
    assert after["page_views"] == before["page_views"]
    assert after["session_values"] == before["session_values"]
    restored = [row[1:] for row in after["entity_observations"]]  # new ids
    assert sorted(restored) == sorted(row[1:] for row in before["entity_observations"])


def test_a_replay_since_a_time_replays_only_what_came_after(
    world: World, database: Database, visit: Visit
) -> None:
    a_few_visits(world, database, visit)
    with database.session():
        pass

    assert (
        deriver.replay(
            database.sessions, datetime.now(UTC) + timedelta(minutes=1), datetime.now(UTC)
        )
        == 0
    )


def test_a_call_right_after_a_value_change_carries_that_value(
    world: World, database: Database, visit: Visit
) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    number = "+12125550177"
    assert world.owner.client.post(f"{project}/numbers", json={"number": number}).is_success
    assert visit.page(HOME, {"visit_id": "before"}).json() == {"number": number}
    assert visit.ping({"visit_id": "just-now"}).status_code == 204
    assert count(database, SessionValue) == 0  # nothing derived: still in the journal

    call = {
        "project_id": world.project_id,
        "call_id": "CA-journal",
        "event": "started",
        "caller": "+380671234567",
        "called": number,
        "at": datetime.now(UTC).isoformat(),
    }
    answer = world.owner.client.post("/api/v1/telephony/events", json=call)

    assert answer.status_code == 201, answer.text
    assert (answer.json()["attribution"], answer.json()["session_id"]) == ("session", visit.session)
    detail = world.owner.client.get(answer.json()["url"]).json()
    assert detail["entities"]["visit_id"]["value"] == "just-now"


def test_a_row_the_deriver_cannot_apply_is_passed_over_not_holding_up_the_rest(
    database: Database, visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    poisoned = Visit(visit.base_url, visit.key)
    visit.page(HOME, {"visit_id": "before"})
    poisoned.page(HOME, {"visit_id": "poison"})
    Visit(visit.base_url, visit.key).page(HOME, {"visit_id": "after"})
    real_derive = batch.derive

    def failing_on_the_poisoned_row(connection: Any, items: Any, **options: Any) -> Any:
        if any(item.event.session == poisoned.session for item in items):
            raise RuntimeError("a bug in deriving this row")
        return real_derive(connection, items, **options)

    monkeypatch.setattr(batch, "derive", failing_on_the_poisoned_row)
    monkeypatch.setattr(deriver, "FAILURE_PAUSE", 0.01)
    loop = deriver.Deriver(database.sessions, lambda: datetime.now(UTC))
    loop.start()
    try:
        wait_for(lambda: count(database, SessionValue) == 2, "the rows around the bad one")
    finally:
        loop.stop()

    with database.sessions() as db:
        values = sorted(value or "" for value in db.scalars(select(SessionValue.value)))
        through = db.scalar(select(DeriverProgress.derived_through))
    assert values == ["after", "before"]
    assert through == journal_rows(database)[-1].id  # passed over, still in the journal
    assert len(journal_rows(database)) == 3


def test_a_call_is_recorded_even_when_catching_up_fails(
    world: World, database: Database, visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    number = "+12125550178"
    assert world.owner.client.post(f"{project}/numbers", json={"number": number}).is_success
    assert visit.page(HOME, {"visit_id": "pending"}).json() == {"number": number}

    def broken(connection: Any, items: Any, **options: Any) -> Any:
        raise RuntimeError("a bug in deriving")

    monkeypatch.setattr(batch, "derive", broken)
    call = {
        "project_id": world.project_id,
        "call_id": "CA-broken-deriver",
        "event": "started",
        "caller": "+380671234567",
        "called": number,
        "at": datetime.now(UTC).isoformat(),
    }
    answer = world.owner.client.post("/api/v1/telephony/events", json=call)

    assert answer.status_code == 201, answer.text  # attributed by its lease all the same
    assert (answer.json()["attribution"], answer.json()["session_id"]) == ("session", visit.session)
    detail = world.owner.client.get(answer.json()["url"]).json()
    assert detail["entities"]["visit_id"]["value"] is None  # the value was still pending
