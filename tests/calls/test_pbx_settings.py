"""A project's Asterisk and FreeSWITCH settings over the API: owners change them, the secret is
write-only and sealed, bad values are 422s naming the field; Check connection logs in and says
exactly why not (refused, timed out, wrong credentials); the listeners pick up a change
without a restart and say their state; an event that contradicts the call is kept."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network
from typing import Any

import pytest
from sqlalchemy import select

from dialtrail.calls.adapters.asterisk.models import AsteriskSettings
from dialtrail.calls.adapters.freeswitch.models import FreeswitchSettings
from dialtrail.calls.adapters.pbx.connections import Target
from dialtrail.calls.adapters.pbx.credentials import check_connection
from dialtrail.calls.adapters.pbx.events import PbxEvent
from dialtrail.calls.adapters.pbx.recording import record
from dialtrail.calls.adapters.registry import LISTENERS
from dialtrail.calls.models import CallEvent
from tests.calls.test_pbx_listeners import CALLER, calls, configure, settings_of
from tests.support.databases import Database
from tests.support.loops import run_in_own_loop
from tests.support.pbx_servers import (
    FIXTURES,
    ScriptedAmi,
    ScriptedEsl,
    listening,
    running,
)
from tests.support.people import World
from tests.support.waiting import wait_for


def url(world: World, name: str) -> str:
    return f"/api/v1/projects/{world.project_id}/telephony/{name}"


def test_the_secret_is_write_only_and_sealed(world: World, database: Database) -> None:
    body = {"host": "pbx.example.com", "username": "dialtrail", "secret": "s3cret-Password"}
    response = world.owner.client.patch(url(world, "asterisk"), json=body)

    assert response.status_code == 200, response.text
    shown = response.json()
    assert "s3cret" not in response.text
    assert (shown["secret_stored"], shown["configured"], shown["port"]) == (True, True, 5038)
    with database.session() as session:
        stored = session.scalars(select(AsteriskSettings)).one()
    assert stored.secret is not None
    assert "s3cret" not in stored.secret
    # Changing the host keeps the secret; null clears it.
    kept = world.owner.client.patch(url(world, "asterisk"), json={"host": "10.0.0.5"}).json()
    assert (kept["host"], kept["secret_stored"]) == ("10.0.0.5", True)
    cleared = world.owner.client.patch(url(world, "asterisk"), json={"secret": None}).json()
    assert (cleared["secret_stored"], cleared["configured"]) == (False, False)


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("host", "pbx.example.com\r\nAction: Originate"),
        ("port", 70000),
        ("username", "two words"),
        ("secret", "line\nbreak"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    world: World, database: Database, field: str, value: Any
) -> None:
    response = world.owner.client.patch(url(world, "asterisk"), json={field: value})

    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["fields"]] == [field]
    with database.session() as session:
        assert session.scalars(select(AsteriskSettings)).all() == []


@pytest.mark.storage_agnostic
def test_freeswitch_keeps_the_header_its_dialled_number_is_in(world: World) -> None:
    changed = world.owner.client.patch(
        url(world, "freeswitch"),
        json={"host": "10.0.0.6", "did_variable": " variable_sip_to_user "},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["did_variable"] == "variable_sip_to_user"
    read = world.owner.client.get(url(world, "freeswitch")).json()
    assert read["did_variable"] == "variable_sip_to_user"
    cleared = world.owner.client.patch(url(world, "freeswitch"), json={"did_variable": None})
    assert cleared.json()["did_variable"] is None  # Caller-Destination-Number again


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("freeswitch", "sip_to_user"),
        ("freeswitch", "variable_sip to user"),
        ("freeswitch", "variable_did\r\nauth x"),
        ("freeswitch", ""),
        ("asterisk", "variable_sip_to_user"),
    ],
)
def test_a_bad_did_variable_is_refused_naming_the_field(
    world: World, database: Database, name: str, value: str
) -> None:
    response = world.owner.client.patch(url(world, name), json={"host": "h", "did_variable": value})

    assert response.status_code == 422
    [problem] = response.json()["fields"]
    assert problem["field"] == "did_variable"
    assert ("no such setting" in problem["message"]) == (name == "asterisk")
    with database.session() as session:
        assert session.scalars(select(FreeswitchSettings)).all() == []
        assert session.scalars(select(AsteriskSettings)).all() == []


@pytest.mark.storage_agnostic
def test_members_read_owners_change_outsiders_see_nothing(world: World) -> None:
    assert world.member.client.get(url(world, "freeswitch")).status_code == 200
    assert world.member.client.patch(url(world, "freeswitch"), json={}).status_code == 403
    assert world.member.client.post(url(world, "freeswitch") + "/check").status_code == 403
    assert world.outsider.client.get(url(world, "freeswitch")).status_code == 404
    assert world.anonymous.get(url(world, "freeswitch")).status_code == 401


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed: nothing listens there


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts connections and never says a word (a firewall's tarpit, a wrong service)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def check(world: World, name: str) -> dict[str, Any]:
    response = world.owner.client.post(url(world, name) + "/check")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("name", ["asterisk", "freeswitch"])
def test_check_connection_logs_in_or_says_the_credentials_are_wrong(
    world: World, name: str
) -> None:
    server = ScriptedAmi() if name == "asterisk" else ScriptedEsl()
    with running(server):
        configure(world, name, server)
        assert check(world, name) | {"message": ""} == {"ok": True, "kind": "ok", "message": ""}
        assert f"127.0.0.1:{server.port}" in check(world, name)["message"]

        world.owner.client.patch(url(world, name), json={"secret": "not-the-secret"})
        result = check(world, name)
    assert (result["ok"], result["kind"]) == (False, "wrong_credentials")
    said = "Authentication failed" if name == "asterisk" else "-ERR invalid"
    assert said in result["message"]
    assert server.refused_logins == 1


@pytest.mark.storage_agnostic
def test_check_connection_says_refused_and_not_configured(world: World) -> None:
    assert check(world, "asterisk")["kind"] == "not_configured"
    body = {"host": "127.0.0.1", "port": free_port(), "username": "u", "secret": "s"}
    world.owner.client.patch(url(world, "asterisk"), json=body)

    result = check(world, "asterisk")

    assert (result["ok"], result["kind"]) == (False, "refused")
    assert f"127.0.0.1:{body['port']} refused the connection" in result["message"]


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("name", ["asterisk", "freeswitch"])
def test_check_connection_says_timed_out_when_nothing_answers(name: str) -> None:
    with silent_server() as port:
        target = Target("127.0.0.1", port, "dialtrail", "secret")
        loopback = [ip_network("127.0.0.0/8")]
        result = run_in_own_loop(
            lambda: check_connection(LISTENERS[name], target, loopback, timeout=0.2)
        )

    assert (result.ok, result.kind) == (False, "timed_out")
    assert result.message.startswith(f"no answer from 127.0.0.1:{port} within 0.2 s")


def test_a_changed_setting_is_picked_up_and_the_state_shown(
    world: World, database: Database
) -> None:
    with running(ScriptedAmi()) as first, running(ScriptedAmi()) as second:
        configure(world, "asterisk", first)
        with listening(database):
            first.wait_for_login(1)
            state = wait_for(
                lambda: (s := settings_of(world, "asterisk"))["state"] == "connected" and s,
                "the connected state",
            )
            assert state["state_reason"] == f"logged in to 127.0.0.1:{first.port} as dialtrail"

            world.owner.client.patch(url(world, "asterisk"), json={"port": second.port})
            second.wait_for_login(1)

            world.owner.client.patch(url(world, "asterisk"), json={"enabled": False})
            off = wait_for(
                lambda: (s := settings_of(world, "asterisk"))["state"] == "off" and s,
                "the off state",
            )
    assert off["state_reason"] == "turned off in the settings"
    assert (first.logins, second.logins) == (1, 1)


def test_a_refused_login_shows_as_failed_and_is_tried_again(
    world: World, database: Database
) -> None:
    with running(ScriptedAmi()) as server:
        configure(world, "asterisk", server, secret="wrong")
        with listening(database):
            wait_for(lambda: server.refused_logins >= 2, "a second try")
            failed = wait_for(
                lambda: (s := settings_of(world, "asterisk"))["state"] == "failed" and s,
                "the failed state",
            )
    assert "refused the login (Authentication failed)" in failed["state_reason"]


def test_calls_to_other_numbers_are_ignored_and_noted(world: World, database: Database) -> None:
    with running(ScriptedAmi()) as server:
        configure(world, "asterisk", server)
        with listening(database):
            server.wait_for_login(1)
            server.replay(FIXTURES / "asterisk" / "missed.ami")
            noted = wait_for(
                lambda: (
                    (events := settings_of(world, "asterisk")["recent_events"])
                    and events[0]["event"] == "ended"
                    and events
                ),
                "the events noted",
            )
    assert [(event["event"], event["outcome"], event["detail"]) for event in noted] == [
        ("ended", "recorded", ""),
        ("started", "recorded", ""),
        ("started", "ignored", "2125550999 is not one of the project's tracking numbers"),
    ]
    assert [call["tracking_number"] for call in calls(world)] == ["+12125550191"]


@pytest.mark.parametrize(
    ("dialled", "detail"),
    [
        ("2125550191", "2125550191 could not be read as a tracking number: '2125550191' has no "
         "country code: write it as +<country code><number>, or set the project's country"),
        ("s", "s could not be read as a tracking number: 's' is not a phone number"),
        (None, "no dialled number: not one of the project's tracking numbers"),
        ("+12125550999", "+12125550999 is not one of the project's tracking numbers"),
    ],
)  # fmt: skip
def test_an_ignored_call_says_why_its_number_is_not_a_tracking_number(
    world: World, database: Database, dialled: str | None, detail: str
) -> None:
    """A PBX often gives the DID in national form, which a project without a country cannot
    read: the admin's last events say so, rather than that the number is not tracked."""
    with running(ScriptedAmi()) as server:
        configure(world, "asterisk", server)  # +12125550191 is a tracking number
    project = f"/api/v1/projects/{world.project_id}"
    assert world.owner.client.patch(project, json={"country": None}).status_code == 200
    started = PbxEvent("1764900000.1", "started", dialled, CALLER, datetime.now(UTC))

    with database.session() as session:
        outcome = record(session, AsteriskSettings, "asterisk", world.project_id, started,
                         datetime.now(UTC))  # fmt: skip
        session.commit()

    assert outcome.kind == "ignored"
    assert outcome.detail.startswith(detail)
    [noted] = settings_of(world, "asterisk")["recent_events"]
    assert (noted["outcome"], noted["detail"]) == ("ignored", outcome.detail)
    assert calls(world) == []


def test_an_event_that_contradicts_the_call_is_kept(world: World, database: Database) -> None:
    """Keep facts: a PBX never sends an event again. An answer reported after the end (a
    clock that jumped) is recorded, with a warning in the log, not refused."""
    with running(ScriptedAmi()) as server:
        configure(world, "asterisk", server)
    start = datetime.now(UTC) - timedelta(minutes=1)
    ended = PbxEvent("1764900000.1", "ended", "2125550191", CALLER, start + timedelta(seconds=30),
                     disposition="no_answer", duration_seconds=30, talk_seconds=0)  # fmt: skip
    answered = PbxEvent("1764900000.1", "answered", "2125550191", CALLER,
                        start + timedelta(seconds=90))  # fmt: skip
    outcomes = []
    for event in (
        PbxEvent("1764900000.1", "started", "2125550191", CALLER, start),
        ended,
        answered,
    ):
        with database.session() as session:
            outcome = record(session, AsteriskSettings, "asterisk", world.project_id, event,
                             datetime.now(UTC))  # fmt: skip
            session.commit()
        outcomes.append(outcome.kind)

    assert outcomes == ["recorded", "recorded", "recorded"]
    with database.session() as session:
        kinds = session.scalars(select(CallEvent.event).order_by(CallEvent.id)).all()
    assert kinds == ["started", "ended", "answered"]


def test_a_listener_restarted_mid_call_still_ends_the_call(
    world: World, database: Database
) -> None:
    """Its new tracker never saw the call start; the Hangup of a call already recorded ends
    it all the same."""
    blocks = (FIXTURES / "asterisk" / "ivr.ami").read_text().strip().split("\n\n")
    fixture_start, fixture_hangup = blocks[:2], blocks[-1]
    with running(ScriptedAmi()) as server:
        configure(world, "asterisk", server)
        now = datetime.now(UTC).timestamp()
        with listening(database):
            server.wait_for_login(1)
            server.push(*(block.replace("{t+0}", f"{now:.6f}") for block in fixture_start))
            wait_for(lambda: calls(world), "the call to start")
        with listening(database):
            server.wait_for_login(2)
            server.push(fixture_hangup.replace("{t+15}", f"{now + 15:.6f}"))
            [call] = wait_for(lambda: [c for c in calls(world) if c["ended_at"]], "the end")
    assert call["duration_seconds"] == 15


def test_a_freeswitch_site_whose_did_is_in_a_variable_gets_its_calls(
    world: World, database: Database
) -> None:
    """The trunk delivers to extension 1000; the DID is in the SIP To header's user part."""
    with running(ScriptedEsl()) as server:
        configure(world, "freeswitch", server, did_variable="variable_sip_to_user")
        with listening(database, ("freeswitch",)):
            server.wait_for_login(1)
            server.replay(FIXTURES / "freeswitch" / "sip-to-user.esl")
            [call] = wait_for(lambda: [c for c in calls(world) if c["ended_at"]], "the call")
    assert (call["tracking_number"], call["caller"]) == ("+12125550192", CALLER)
    assert (call["disposition"], call["talk_seconds"]) == ("answered", 34)
