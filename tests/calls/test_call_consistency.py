"""Events of one call may come in any order, but what they say must fit together: an event
that contradicts the call's others is a 422 naming its field, and nothing of it is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.calls.conftest import CALLER, Scene, T, at


def refused_field(scene: Scene, **fields: Any) -> str:
    response = scene.report(**fields)
    assert response.status_code == 422, response.text
    [problem] = response.json()["fields"]
    return str(problem["field"])


def test_an_ended_event_alone_gives_wait_as_the_part_of_the_call_that_was_not_talk(
    scene: Scene,
) -> None:
    ended = scene.report(event="ended", at=at(3), duration_seconds=95, talk_seconds=80)

    call = scene.call(ended.json()["call_id"])
    assert (call.wait_seconds, call.talk_seconds, call.duration_seconds) == (15, 80, 95)
    assert call.started_at == T + timedelta(minutes=3) - timedelta(seconds=95)


def test_an_ended_event_with_only_its_talk_time_lasted_at_least_that_long(scene: Scene) -> None:
    ended = scene.report(event="ended", at=at(3), talk_seconds=40)

    call = scene.call(ended.json()["call_id"])
    assert (call.wait_seconds, call.talk_seconds, call.duration_seconds) == (0, 40, 40)
    assert call.disposition == "answered"


def test_talk_time_never_exceeds_the_whole_call(scene: Scene) -> None:
    field = refused_field(scene, event="ended", duration_seconds=10, talk_seconds=60)

    assert field == "talk_seconds"
    assert scene.calls() == []


@pytest.mark.parametrize(("first", "second"), [("started", "ended"), ("ended", "started")])
def test_it_refuses_a_call_that_would_end_before_it_started(
    scene: Scene, first: str, second: str
) -> None:
    times = {"started": at(3), "ended": at(2)}  # 10:18 and 10:17 in the QA report
    assert scene.report(event=first, at=times[first]).status_code == 201

    response = scene.report(event=second, at=times[second])

    assert response.status_code == 422
    [problem] = response.json()["fields"]
    assert problem["field"] == "at"
    assert "before it was started" in problem["message"]
    assert [event for _, event in scene.events()] == [first]


def test_it_refuses_an_answer_before_the_start_and_an_end_before_the_answer(
    scene: Scene,
) -> None:
    scene.report(event="started", at=at(1))
    early_answer = refused_field(scene, event="answered", at=at(0))
    scene.report(event="answered", at=at(2))

    assert early_answer == "at"
    assert refused_field(scene, event="ended", at=at(1.5)) == "at"
    assert [event for _, event in scene.events()] == ["started", "answered"]


def test_it_tolerates_a_few_seconds_of_clock_skew_and_keeps_the_times_in_order(
    scene: Scene,
) -> None:
    scene.report(event="started", at=(T + timedelta(seconds=4)).isoformat())
    ended = scene.report(event="ended", at=T.isoformat())

    assert ended.status_code == 201, ended.text
    call = scene.call(ended.json()["call_id"])
    assert call.ended_at == call.started_at == T + timedelta(seconds=4)
    assert (call.wait_seconds, call.talk_seconds, call.duration_seconds) == (0, 0, 0)


def test_durations_cannot_exceed_the_time_between_the_events(scene: Scene) -> None:
    scene.report(event="started", at=at(0))
    scene.report(event="answered", at=at(1))

    assert refused_field(scene, event="ended", at=at(2), duration_seconds=300) == (
        "duration_seconds"
    )
    assert refused_field(scene, event="ended", at=at(2), talk_seconds=90) == "talk_seconds"
    assert refused_field(scene, event="ended", at=at(2), duration_seconds=70) == (
        "duration_seconds"  # started two minutes before it ended
    )
    ended = scene.report(event="ended", at=at(2), duration_seconds=120, talk_seconds=58)
    assert ended.status_code == 201, ended.text
    call = scene.call(ended.json()["call_id"])
    assert (call.wait_seconds, call.talk_seconds, call.duration_seconds) == (60, 58, 120)


def test_a_late_start_cannot_contradict_the_duration_an_earlier_end_gave(scene: Scene) -> None:
    scene.report(event="ended", at=at(2), duration_seconds=30)

    assert refused_field(scene, event="started", at=at(0)) == "at"
    assert scene.report(event="started", at=(T + timedelta(seconds=90)).isoformat()).is_success


@pytest.mark.parametrize(
    ("change", "field"),
    [({"caller": "+380501112233"}, "caller"), ({"called": "+380441112299"}, "called")],
)
def test_it_refuses_an_event_that_names_another_caller_or_tracking_number(
    scene: Scene, change: dict[str, Any], field: str
) -> None:
    scene.report(event="started", at=at(0))

    response = scene.report(event="ended", at=at(1), **change)

    assert response.status_code == 422
    [problem] = response.json()["fields"]
    assert problem["field"] == field
    assert "cannot change it" in problem["message"]
    assert scene.calls()[0].caller == CALLER
    assert [event for _, event in scene.events()] == ["started"]


def test_an_event_that_does_not_name_the_caller_contradicts_nothing(scene: Scene) -> None:
    scene.report(event="started", at=at(0))

    assert scene.report(event="ended", at=at(1), caller=None).status_code == 201
    assert scene.calls()[0].caller == CALLER


def test_it_refuses_a_time_far_ahead_of_the_servers_clock_and_tolerates_skew(
    scene: Scene,
) -> None:
    now = datetime.now(UTC)
    ahead = (now + timedelta(minutes=30)).isoformat()

    response = scene.report(at=ahead)
    skewed = scene.report(call_id="CA2", at=(now + timedelta(minutes=2)).isoformat())

    assert response.status_code == 422
    [problem] = response.json()["fields"]
    assert problem["field"] == "at"
    assert "at most 5 minutes ahead" in problem["message"]
    assert skewed.status_code == 201, skewed.text
    assert len(scene.calls()) == 1
