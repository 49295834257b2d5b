"""Arbitrary telephony events never get a 5xx nor leave a partial write, and events of one
call sent at the same moment make one call (PostgreSQL runs them truly in parallel)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from dialtrail.calls.models import CallEvent
from tests.calls.conftest import Scene, at
from tests.support.databases import Database
from tests.support.people import World
from tests.test_no_server_errors import FUZZ, NUMBERS, bodies, either, send, texts

TIMES = ["2026-03-02T12:00:00Z", "2026-03-02T12:00:00", "0001-01-01T00:00:00Z", "soon"]
EVENT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "project_id": either([1, 2, 3, 2**40]),
    "call_id": either(["CA1", "CA2"], texts),
    "event": either(["started", "answered", "ended"]),
    "caller": either(NUMBERS, [None, "anonymous"], texts),
    "called": either(NUMBERS, texts),
    "at": either(TIMES, texts),
    "destination": either(NUMBERS, ["sip:desk@pbx.example.com"], texts),
    "disposition": either(["answered", "busy", "no_answer"]),
    "duration_seconds": either(st.integers()),
    "talk_seconds": either(st.integers()),
    "recording_url": either(["https://rec.example.com/1"], texts),
}


def event_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(CallEvent)) or 0


@FUZZ
@given(body=bodies(EVENT_FIELDS))
def test_reporting_an_event_never_fails_on_the_server(
    world: World, database: Database, body: Any
) -> None:
    before = event_count(database)

    response = send(world.owner.client, "POST", "/api/v1/telephony/events", body)

    assert response.status_code in {200, 201, 400, 404, 422}, response.text
    assert event_count(database) == before + (response.status_code == 201)


def test_it_makes_one_call_of_events_sent_at_the_same_moment(scene: Scene) -> None:
    events = ["started", "answered", "ended"] * 4
    times = {"started": at(0), "answered": at(0.1), "ended": at(1)}

    with ThreadPoolExecutor(max_workers=len(events)) as pool:
        answers = list(pool.map(lambda event: scene.report(event=event, at=times[event]), events))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 9 + [201] * 3, [answer.text for answer in answers]
    assert len({answer.json()["call_id"] for answer in answers}) == 1
    [call] = scene.calls()
    assert sorted(event for _, event in scene.events()) == ["answered", "ended", "started"]
    assert (call.duration_seconds, call.disposition) == (60, "answered")
