"""Bad telephony events get a 4xx naming the field, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.calls.conftest import Scene

pytestmark = pytest.mark.storage_agnostic


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"called": "not a number"}, "called"),
        ({"event": "ended", "duration_seconds": 10, "talk_seconds": 60}, "talk_seconds"),
        ({"at": "2099-01-01T00:00:00Z"}, "at"),
        ({"at": "1999-12-31T23:59:59Z"}, "at"),
        ({"destination": "sip:broken"}, "destination"),
        ({"event": "ringing"}, "event"),
        ({"at": "2026-03-02T12:00:00"}, "at"),
        ({"disposition": "hung_up"}, "disposition"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"recording_url": "ftp://x"}, "recording_url"),
        ({"colour": "blue"}, "colour"),
        ({"call_id": ""}, "call_id"),
    ],
)
def test_it_refuses_a_bad_field_by_name(scene: Scene, change: dict[str, Any], field: str) -> None:
    response = scene.report(**change)

    assert response.status_code == 422, response.text
    assert [problem["field"] for problem in response.json()["fields"]] == [field]
    assert scene.calls() == []


@pytest.mark.parametrize("field", ["project_id", "call_id", "event", "caller", "called", "at"])
def test_it_refuses_an_event_without_a_required_field(scene: Scene, field: str) -> None:
    body = {
        "project_id": scene.world.project_id,
        "call_id": "CA1",
        "event": "started",
        "caller": None,
        "called": "+380441112233",
        "at": "2026-03-02T12:00:00Z",
    }
    del body[field]

    response = scene.world.owner.client.post("/api/v1/telephony/events", json=body)

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == field
    assert scene.calls() == []


def test_it_refuses_a_national_number_when_the_project_has_no_country(scene: Scene) -> None:
    response = scene.report(called="044 111 22 33")

    assert response.status_code == 422
    assert "country" in response.json()["fields"][0]["message"]


def test_it_answers_another_accounts_project_as_not_found(scene: Scene) -> None:
    response = scene.report(scene.world.outsider.client)
    other = scene.report(project_id=scene.world.other_project_id)

    assert (response.status_code, other.status_code) == (404, 404)
    assert scene.calls() == []


def test_it_lets_a_member_report_calls(scene: Scene) -> None:
    assert scene.report(scene.world.member.client).status_code == 201


def test_it_requires_a_token(scene: Scene) -> None:
    response = scene.report(scene.world.anonymous)

    assert response.status_code == 401
    assert scene.calls() == []
