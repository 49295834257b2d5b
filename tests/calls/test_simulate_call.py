"""``dialtrail simulate-call``, run as a real process on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from subprocess import CompletedProcess

from sqlalchemy import select

from dialtrail.calls.models import CallEvent
from dialtrail.calls.simulator import SimulatedCall, Timing, timing
from dialtrail.numbers.models import NumberLease
from dialtrail.sessions.models import PageView
from dialtrail.storage.base import utcnow
from tests.calls.conftest import CALLER, POOL_NUMBER, Scene
from tests.support.processes import database_url, run


def simulate(scene: Scene, *arguments: str) -> CompletedProcess[str]:
    """``dialtrail simulate-call --project <the scene's> …`` against the scene's database."""
    project = str(scene.world.project_id)
    return run(database_url(scene.database), "simulate-call", "--project", project, *arguments)


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

    result = simulate(
        scene,
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
    assert "lasted: 35 s, talk 30 s" in result.stdout


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
    result = simulate(
        scene,
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


def lease_now(scene: Scene, session_id: int) -> None:
    now = utcnow()
    scene.add(
        NumberLease(
            project_id=scene.world.project_id,
            number_id=scene.number(),
            session_id=session_id,
            started_at=now - timedelta(seconds=10),
            renewed_at=now - timedelta(seconds=5),
            expires_at=now + timedelta(minutes=4),
        )
    )


def test_a_call_right_after_a_page_view_starts_after_it_and_shows_the_page(
    scene: Scene,
) -> None:
    session_id, key = scene.visit()
    viewed_at = utcnow() - timedelta(seconds=8)
    scene.add(
        PageView(session_id=session_id, key="p" * 16, url="https://a.example/", viewed_at=viewed_at)
    )
    lease_now(scene, session_id)

    result = simulate(
        scene,
        "--to",
        POOL_NUMBER,
        "--duration",
        "60",
    )

    assert result.returncode == 0, result.stderr
    [call] = scene.calls()
    assert call.started_at >= viewed_at  # not 65 s before now, before the visitor saw the number
    wait, talk = call.wait_seconds, call.talk_seconds
    assert wait == 5
    assert talk is not None
    assert talk < 60  # shortened to fit after the page
    assert f"lasted: {wait + talk} s, talk {talk} s" in result.stdout
    assert call.duration_seconds == wait + talk
    detail = scene.world.owner.client.get(
        f"/api/v1/projects/{scene.world.project_id}/calls/{call.id}"
    ).json()
    assert detail["session_id"] == key
    assert [view["url"] for view in detail["trail"]["page_views"]] == ["https://a.example/"]


NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_timing_is_as_asked_when_the_number_was_seen_long_enough_ago() -> None:
    spec = SimulatedCall(1, "+1", duration=60)
    long_ago = NOW - timedelta(minutes=5)

    assert timing(spec, long_ago, NOW) == Timing(timedelta(seconds=5), timedelta(seconds=60))
    assert timing(spec, None, NOW) == Timing(timedelta(seconds=5), timedelta(seconds=60))


def test_timing_shortens_a_call_to_the_time_since_the_number_was_seen() -> None:
    answered = SimulatedCall(1, "+1", duration=60)
    missed = SimulatedCall(1, "+1", duration=30, disposition="no_answer")
    seconds = timedelta(seconds=1)

    assert timing(answered, NOW - 9 * seconds, NOW) == Timing(5 * seconds, 4 * seconds)
    assert timing(answered, NOW - 2 * seconds, NOW) == Timing(2 * seconds, 0 * seconds)
    assert timing(answered, NOW + 2 * seconds, NOW) == Timing(0 * seconds, 0 * seconds)
    assert timing(missed, NOW - 9 * seconds, NOW) == Timing(9 * seconds, 0 * seconds)


def test_a_national_caller_is_read_with_the_country_of_the_number_dialled(
    scene: Scene,
) -> None:
    scene.number("+12125550140")  # the demo's pool: a project without a country

    result = simulate(
        scene,
        "--to",
        "+1 212 555 0140",
        "--from",
        "(212) 555-0199",
    )

    assert result.returncode == 0, result.stderr
    [call] = scene.calls()
    assert (call.caller, call.caller_raw) == ("+12125550199", None)
    assert result.stdout.startswith("call ")
    assert "+12125550199 -> +12125550140" in result.stdout
    assert "note:" not in result.stdout


def test_a_national_caller_is_read_with_the_projects_country_first(scene: Scene) -> None:
    scene.world.owner.client.patch(
        f"/api/v1/projects/{scene.world.project_id}", json={"country": "UA"}
    )
    scene.number()

    result = simulate(
        scene,
        "--to",
        POOL_NUMBER,
        "--from",
        "067 123 45 67",
    )

    assert result.returncode == 0, result.stderr
    [call] = scene.calls()
    assert call.caller == CALLER


def test_a_number_the_project_does_not_have_is_named_and_the_call_still_recorded(
    scene: Scene,
) -> None:
    scene.number()

    result = simulate(
        scene,
        "--to",
        "+380 44 555 66 77",
        "--from",
        "my desk phone",
    )

    assert result.returncode == 0, result.stderr
    [call] = scene.calls()
    assert (call.tracking_number, call.attribution) == ("+380445556677", "none")
    assert (
        f"note: +380445556677 is not a tracking number of project {scene.world.project_id} "
        f"(Acme): the call is recorded but belongs to no visit; its numbers include "
        f"{POOL_NUMBER}"
    ) in result.stdout
    assert "note: the caller 'my desk phone' could not be read as a phone number" in (result.stdout)
