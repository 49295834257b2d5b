"""Check connection and the listeners are not a network probe: they reach only addresses on
the networks the operator allows (DIALTRAIL_PBX_ALLOWED_NETWORKS, private ranges by default,
checked after DNS resolution), only the host and port saved, at most five checks a minute per
project and PBX, and never repeat what a service that is not the PBX answered."""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network

import pytest

from dialtrail.calls.adapters.pbx.connections import Target
from dialtrail.calls.adapters.pbx.credentials import (
    CHECKS_PER_MINUTE,
    check_connection,
    too_many_checks,
)
from dialtrail.calls.adapters.pbx.networks import literal_refusal
from dialtrail.calls.adapters.registry import LISTENERS
from dialtrail.settings import SettingsError, load
from tests.calls.test_pbx_settings import check, url
from tests.support.admin import signed_in
from tests.support.loops import run_in_own_loop
from tests.support.people import World

DEFAULT = load({}).pbx_allowed_networks
NOW = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("host", "refused"),
    [
        ("10.0.0.5", False),
        ("192.168.1.20", False),
        ("172.31.255.1", False),
        ("[fd00::5]", False),
        ("pbx.example.com", False),  # a name: checked after resolution, when connecting
        ("127.0.0.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),  # IPv4 inside IPv6 is read as IPv4
        ("169.254.169.254", True),  # a cloud's metadata service
        ("172.32.0.1", True),
        ("8.8.8.8", True),
    ],
)
def test_the_default_networks_are_the_private_ranges(host: str, refused: bool) -> None:
    message = literal_refusal(host, DEFAULT)
    assert (message is not None) == refused
    if message is not None:
        assert "DIALTRAIL_PBX_ALLOWED_NETWORKS" in message


def test_the_setting_takes_addresses_and_networks_and_names_a_bad_one() -> None:
    settings = load({"DIALTRAIL_PBX_ALLOWED_NETWORKS": "10.1.0.0/16, 203.0.113.7"})
    assert settings.pbx_allowed_networks == (
        ip_network("10.1.0.0/16"), ip_network("203.0.113.7/32"),
    )  # fmt: skip
    assert load({"DIALTRAIL_PBX_ALLOWED_NETWORKS": ""}).pbx_allowed_networks == ()
    with pytest.raises(SettingsError, match=r"DIALTRAIL_PBX_ALLOWED_NETWORKS=.*'pbx\.lan'"):
        load({"DIALTRAIL_PBX_ALLOWED_NETWORKS": "10.0.0.0/8,pbx.lan"})


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("host", ["169.254.169.254", "8.8.8.8", "::ffff:169.254.169.254"])
def test_saving_an_address_outside_the_networks_is_refused_naming_the_host(
    world: World, host: str
) -> None:
    response = world.owner.client.patch(url(world, "asterisk"), json={"host": host})

    assert response.status_code == 422
    [problem] = response.json()["fields"]
    assert problem["field"] == "host"
    assert "is not on a network PBXs may be reached on" in problem["message"]
    assert world.owner.client.get(url(world, "asterisk")).json()["host"] is None


@contextmanager
def banner_server(banner: bytes) -> Iterator[int]:
    """Some other service on the port: it greets with its banner and waits."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer() -> None:
        try:
            connection, _ = listener.accept()
            with connection:
                connection.sendall(banner)
                connection.recv(4096)
        except OSError:
            pass

    threading.Thread(target=answer, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("name", ["asterisk", "freeswitch"])
def test_a_name_resolving_outside_the_networks_is_not_connected_to(name: str) -> None:
    with banner_server(b"SSH-2.0-OpenSSH_9.6 internal-host-7\r\n") as port:
        target = Target("localhost", port, "dialtrail", "secret")
        result = run_in_own_loop(lambda: check_connection(LISTENERS[name], target, DEFAULT, 2))

    assert (result.ok, result.kind) == (False, "not_allowed")
    assert "127.0.0.1 is not on a network PBXs may be reached on" in result.message


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("name", ["asterisk", "freeswitch"])
def test_what_another_service_answers_is_never_repeated(name: str) -> None:
    loopback = [ip_network("127.0.0.0/8")]
    with banner_server(b"SSH-2.0-OpenSSH_9.6 internal-host-7\r\n\n\n") as port:
        target = Target("127.0.0.1", port, "dialtrail", "secret")
        result = run_in_own_loop(lambda: check_connection(LISTENERS[name], target, loopback, 2))

    assert result.ok is False
    assert result.kind == ("not_ami" if name == "asterisk" else "not_esl")
    assert "OpenSSH" not in result.message
    assert "internal-host-7" not in result.message


@pytest.mark.storage_agnostic
def test_the_check_reaches_only_the_host_and_port_saved(world: World) -> None:
    saved = {"host": "127.0.0.1", "port": 9, "username": "dialtrail", "secret": "s3cret"}
    assert world.owner.client.patch(url(world, "asterisk"), json=saved).status_code == 200
    client, csrf = signed_in(world.base_url, world.owner.email)
    typed = {"csrf_token": csrf, "host": "127.0.0.1", "port": "5432",
             "username": "dialtrail", "enabled": "on"}  # fmt: skip
    try:
        page = client.post(
            f"/admin/projects/{world.project_id}/settings/pbx/asterisk/check", data=typed
        ).text
    finally:
        client.close()

    assert "save the host and port first" in page
    assert world.owner.client.get(url(world, "asterisk")).json()["recent_events"] == []


@pytest.mark.storage_agnostic
def test_at_most_five_checks_a_minute_per_pbx(world: World) -> None:
    with socket.socket() as closed:  # a port nothing listens on: each check is refused at once
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    body = {"host": "127.0.0.1", "port": port, "username": "dialtrail", "secret": "s3cret"}
    world.owner.client.patch(url(world, "asterisk"), json=body)

    kinds = [check(world, "asterisk")["kind"] for _ in range(CHECKS_PER_MINUTE + 1)]

    assert kinds == ["refused"] * CHECKS_PER_MINUTE + ["too_many_checks"]
    assert check(world, "freeswitch")["kind"] == "not_configured"  # each PBX counts its own


def test_the_limit_counts_the_last_minute_only() -> None:
    recent = [(NOW - timedelta(seconds=s)).isoformat() for s in (1, 10, 20, 30, 50)]
    refused = too_many_checks(recent, NOW)
    assert refused is not None
    assert refused.message.endswith("try again in 10 s")
    assert too_many_checks(recent, NOW + timedelta(seconds=11)) is None
    assert too_many_checks(recent[:4], NOW) is None


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("name", ["asterisk", "freeswitch"])
def test_a_login_stopped_midway_leaves_no_open_connection(name: str) -> None:
    """A listener stopped (cancelled) while the PBX has not greeted yet closes the socket it
    opened, rather than leave it to the garbage collector (a ResourceWarning)."""
    accepted = threading.Event()
    held: list[socket.socket] = []  # the PBX's side, open and silent

    def accept(listener: socket.socket) -> None:
        held.append(listener.accept()[0])
        accepted.set()

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        threading.Thread(target=accept, args=(listener,), daemon=True).start()
        target = Target("127.0.0.1", port, "dialtrail", "secret")
        networks = load({"DIALTRAIL_PBX_ALLOWED_NETWORKS": "127.0.0.1"}).pbx_allowed_networks

        async def stopped_midway() -> None:
            login = asyncio.ensure_future(LISTENERS[name].login(target, 30, networks))
            assert await asyncio.to_thread(accepted.wait, 30)
            login.cancel()
            with suppress(asyncio.CancelledError):
                await login

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run_in_own_loop(stopped_midway)
            gc.collect()
        for connection in held:
            connection.close()

    assert accepted.is_set()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
