"""Telephony events are idempotent by (provider, call id, event) and may come in any order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from dialtrail.calls.events import TelephonyEvent
from dialtrail.calls.ingest import record_event
from dialtrail.calls.listeners import CALL_EVENT_LISTENERS
from dialtrail.calls.models import Call, CallEvent
from dialtrail.projects.models import Project
from tests.calls.conftest import Scene, T, at
from tests.support.people import declare_entity


def test_it_records_the_same_event_twice_as_one(scene: Scene) -> None:
    first = scene.report()
    again = scene.report(caller="+380501112233")  # a repeat changes nothing

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["call_id"] == first.json()["call_id"]
    assert len(scene.calls()) == 1
    assert scene.events() == [(first.json()["call_id"], "started")]
    assert scene.calls()[0].caller == "+380671234567"


def test_it_builds_a_call_from_its_events_in_order(scene: Scene) -> None:
    scene.report(event="started", at=at(0))
    scene.report(event="answered", at=at(0.25))
    ended = scene.report(event="ended", at=at(2.25), recording_url="https://rec.example.com/1")

    call = scene.call(ended.json()["call_id"])
    assert (call.wait_seconds, call.talk_seconds, call.duration_seconds) == (15, 120, 135)
    assert (call.disposition, call.recording_url) == ("answered", "https://rec.example.com/1")
    assert call.answered_at == T + timedelta(seconds=15)


def test_it_completes_a_call_whose_ended_event_came_first(scene: Scene) -> None:
    declare_entity(scene.world, name="visit_id", value="r7k12_si")
    number = scene.number()
    session_id, key = scene.visit()
    page = scene.page(session_id, "https://shop.example.com/", -5)
    scene.observe(session_id, "visit_id", "before", -5, page)
    scene.observe(session_id, "visit_id", "during", 1, page)
    scene.lease(number, session_id, -5, 1)  # expired during the call

    ended = scene.report(event="ended", at=at(3), duration_seconds=180, talk_seconds=150)
    started = scene.report(event="started", at=at(0))

    assert (ended.status_code, started.status_code) == (201, 201)
    assert ended.json()["call_id"] == started.json()["call_id"]
    call = scene.call(ended.json()["call_id"])
    assert (call.started_at, call.ended_at) == (T, T + timedelta(minutes=3))
    assert (call.duration_seconds, call.talk_seconds, call.disposition) == (180, 150, "answered")
    assert (call.attribution, call.visit["session_id"]) == ("session", key)
    assert call.entities["visit_id"]["value"] == "before"
    assert started.json()["attribution"] == "session"


def test_it_calls_an_ended_call_without_an_answer_missed(scene: Scene) -> None:
    scene.report(event="started", at=at(0))
    ended = scene.report(event="ended", at=at(0.5))

    call = scene.call(ended.json()["call_id"])
    assert (call.disposition, call.talk_seconds, call.wait_seconds) == ("no_answer", 0, 30)


def test_it_keeps_calls_of_two_providers_with_one_id_apart(scene: Scene) -> None:
    scene.report(call_id="SAME")
    with scene.database.session() as session:
        project = session.get(Project, scene.world.project_id)
        assert project is not None
        event = TelephonyEvent("simulator", project.id, "SAME", "started", None, "+380441112233", T)
        recorded = record_event(session, project, event, T)
        session.commit()

    assert recorded.duplicate is False
    assert len(scene.calls()) == 2


def test_it_tells_listeners_of_each_new_event_once_in_the_same_transaction(
    scene: Scene,
) -> None:
    heard: list[tuple[str, bool]] = []

    def listener(db: Session, call: Call, event: CallEvent) -> None:
        heard.append((event.event, db.in_transaction()))

    wired = list(CALL_EVENT_LISTENERS)
    CALL_EVENT_LISTENERS.wire(*wired, listener)
    try:
        scene.report(event="started")
        scene.report(event="started")
        scene.report(event="ended", at=at(1))
    finally:
        CALL_EVENT_LISTENERS.wire(*wired)

    assert heard == [("started", True), ("ended", True)]
