"""``dialtrail simulate-call``, run as a real process on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dialtrail.calls.models import CallEvent
from dialtrail.numbers.models import NumberLease
from dialtrail.storage.base import utcnow
from tests.calls.conftest import CALLER, POOL_NUMBER, Scene
from tests.support.processes import database_url, run


def test_it_records_a_simulated_call_attributed_to_the_session_holding_the_number(
    scene: Scene,
) -> None:
    number = scene.number()
    session_id, key = scene.visit()
    now = utcnow()  # the command's call ends now and is attributed as of now
    scene.add(
        NumberLease(
            project_id=scene.world.project_id,
            number_id=number,
            session_id=session_id,
            started_at=now - timedelta(seconds=10),  # got it after the call's start
            renewed_at=now - timedelta(seconds=5),
            expires_at=now + timedelta(minutes=4),
        )
    )

    result = run(
        database_url(scene.database),
        "simulate-call",
        "--project",
        str(scene.world.project_id),
        "--to",
        POOL_NUMBER,
        "--from",
        CALLER,
        "--duration",
        "30",
    )

    assert result.returncode == 0, result.stderr
    [call] = scene.calls()
    assert f"call {call.id}:" in result.stdout
    assert "attribution: session" in result.stdout
    assert f"session: {key}" in result.stdout
    assert (call.provider, call.disposition, call.talk_seconds, call.wait_seconds) == (
        "simulator",
        "answered",
        30,
        5,
    )
    assert [event for _, event in scene.events()] == ["started", "answered", "ended"]
    assert call.duration_seconds == 35


def test_no_simulated_event_happens_after_it_was_received(scene: Scene) -> None:
    url = database_url(scene.database)
    project = str(scene.world.project_id)

    result = run(url, "simulate-call", "--project", project, "--to", POOL_NUMBER)

    assert result.returncode == 0, result.stderr
    with scene.database.session() as db:
        events = db.scalars(select(CallEvent)).all()
        assert [event.event for event in events] == ["started", "answered", "ended"]
        assert all(event.at <= event.received_at for event in events)
        ended = next(event for event in events if event.event == "ended")
        assert ended.at == ended.received_at


def test_it_simulates_a_missed_call_from_an_example_caller(scene: Scene) -> None:
    result = run(
        database_url(scene.database),
        "simulate-call",
        "--project",
        str(scene.world.project_id),
        "--to",
        "+380445556677",
        "--disposition",
        "no_answer",
    )

    assert result.returncode == 0, result.stderr
    [call] = scene.calls()
    assert (call.attribution, call.disposition, call.answered_at) == ("none", "no_answer", None)
    assert call.caller is not None
    assert "session: none" in result.stdout


def test_it_names_the_bad_option_and_stores_nothing(scene: Scene) -> None:
    url = database_url(scene.database)
    project = str(scene.world.project_id)

    bad_number = run(url, "simulate-call", "--project", project, "--to", "nonsense")
    no_project = run(url, "simulate-call", "--project", "999999", "--to", POOL_NUMBER)

    assert bad_number.returncode == 1
    assert "--to" in bad_number.stderr
    assert no_project.returncode == 1
    assert "project 999999 not found" in no_project.stderr
    assert scene.calls() == []
