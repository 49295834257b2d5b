"""The Asterisk and FreeSWITCH listeners against scripted PBXs on free ports (tests/support/
pbx_servers.py) replaying the vendors' documented events: an answered call, a missed call, a
call transferred between agents, a call that hangs up in the IVR, and a connection dropped in
the middle and re-established. Each yields exactly the expected call, once, with each of its
events once; on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from dialtrail.calls.models import CallEvent
from tests.support.databases import Database
from tests.support.pbx_servers import (
    FIXTURES,
    ScriptedAmi,
    ScriptedEsl,
    ScriptedServer,
    listening,
    running,
)
from tests.support.people import World
from tests.support.waiting import wait_for

CALLER = "+14155550100"
NUMBERS = {"asterisk": "+12125550191", "freeswitch": "+12125550192"}


@dataclass(frozen=True)
class Expected:
    disposition: str
    duration: int
    talk: int
    answered_after: int | None  # seconds after the start
    recording: str | None = None
    logins: int = 1


AMI_RECORDING = (
    "/var/spool/asterisk/monitor/2026/12/05/in-2125550191-+14155550100-20261205-1764900000.1.wav"
)
ESL_RECORDING = (
    "/var/lib/freeswitch/recordings/pbx.example.com/archive/2026/Dec/05/"
    "7f3c2a1e-5d4b-4e2f-9a8b-1c2d3e4f5a6b.wav"
)
SEQUENCES = {
    ("asterisk", "answered"): Expected("answered", 50, 42, 8, AMI_RECORDING),
    ("asterisk", "missed"): Expected("no_answer", 25, 0, None),
    ("asterisk", "transfer"): Expected("answered", 90, 85, 5),
    ("asterisk", "ivr"): Expected("no_answer", 15, 0, None),
    ("asterisk", "dropped"): Expected("answered", 50, 42, 8, logins=3),
    ("freeswitch", "answered"): Expected("answered", 40, 34, 6, ESL_RECORDING),
    ("freeswitch", "missed"): Expected("no_answer", 25, 0, None),
    ("freeswitch", "transfer"): Expected("answered", 90, 85, 5),
    ("freeswitch", "ivr"): Expected("no_answer", 15, 0, None),
    ("freeswitch", "dropped"): Expected("answered", 40, 34, 6, logins=3),
}
SUFFIX = {"asterisk": "ami", "freeswitch": "esl"}


def scripted(name: str) -> ScriptedServer:
    return ScriptedAmi() if name == "asterisk" else ScriptedEsl()


@pytest.fixture(params=["asterisk", "freeswitch"])
def pbx(request: pytest.FixtureRequest) -> Iterator[ScriptedServer]:
    with running(scripted(request.param)) as server:
        server.name = request.param  # type: ignore[attr-defined]
        yield server


def configure(world: World, name: str, server: ScriptedServer, **changes: Any) -> dict[str, Any]:
    project = f"/api/v1/projects/{world.project_id}"
    assert world.owner.client.patch(project, json={"country": "US"}).status_code == 200
    added = world.owner.client.post(f"{project}/numbers", json={"number": NUMBERS[name]})
    assert added.status_code == 201, added.text
    body: dict[str, Any] = {"host": "127.0.0.1", "port": server.port, "secret": server.secret}
    if name == "asterisk":
        body["username"] = server.username
    response = world.owner.client.patch(f"{project}/telephony/{name}", json=body | changes)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def calls(world: World) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/calls"
    ).json()["items"]
    return items


def settings_of(world: World, name: str) -> dict[str, Any]:
    found: dict[str, Any] = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/telephony/{name}"
    ).json()
    return found


def ended_call(world: World) -> dict[str, Any]:
    found: dict[str, Any] = wait_for(
        lambda: [call for call in calls(world) if call["ended_at"]], "the call to end"
    )[0]
    return found


def event_counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        rows = session.execute(select(CallEvent.event, func.count()).group_by(CallEvent.event))
        return {event: count for event, count in rows}


@pytest.mark.parametrize("sequence", ["answered", "missed", "transfer", "ivr", "dropped"])
def test_each_sequence_yields_exactly_the_expected_call_once(
    pbx: ScriptedServer, sequence: str, world: World, database: Database
) -> None:
    name: str = pbx.name  # type: ignore[attr-defined]
    expected = SEQUENCES[(name, sequence)]
    configure(world, name, pbx)
    with listening(database):
        wait_for(lambda: pbx.logins == 1, "the listener to log in")
        pbx.replay(FIXTURES / name / f"{sequence}.{SUFFIX[name]}")
        call = ended_call(world)
        wait_for(lambda: settings_of(world, name)["recent_events"], "the events noted")

    [only] = calls(world)
    assert only["id"] == call["id"]
    assert (only["provider"], only["caller"], only["tracking_number"]) == (
        name, CALLER, NUMBERS[name],
    )  # fmt: skip
    assert (only["disposition"], only["duration_seconds"], only["talk_seconds"]) == (
        expected.disposition, expected.duration, expected.talk,
    )  # fmt: skip
    answered = expected.answered_after is not None
    events = {"started": 1, "ended": 1} | ({"answered": 1} if answered else {})
    assert event_counts(database) == events
    if answered:
        waited = datetime.fromisoformat(only["answered_at"]) - datetime.fromisoformat(
            only["started_at"]
        )
        assert waited.total_seconds() == expected.answered_after
    assert only["recording_url"] == expected.recording
    assert pbx.logins == expected.logins
    assert pbx.refused_logins == 0
