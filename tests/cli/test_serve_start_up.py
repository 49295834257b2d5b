"""`dialtrail serve` as a real process: it says it is ready only once it answers, and a port
already taken is one clear line naming the port and DIALTRAIL_PORT, with a non-zero exit."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.databases import TEST_SECRET_KEY
from tests.support.processes import DIALTRAIL, run, run_with
from tests.support.server import free_port


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('serve') / 'dialtrail.sqlite3'}"
    migrated = run(url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    return url


@pytest.fixture
def occupied_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_a_port_in_use_is_one_line_naming_the_port_and_the_setting(
    database_url: str, occupied_port: int
) -> None:
    variables = {"DIALTRAIL_DATABASE_URL": database_url, "DIALTRAIL_PORT": str(occupied_port)}
    result = run_with({**variables, "DIALTRAIL_SECRET_KEY": TEST_SECRET_KEY}, "serve")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"dialtrail: error: port {occupied_port} on 127.0.0.1 is already in use (is Dialtrail "
        "or another server running?); stop it, or choose another port with DIALTRAIL_PORT "
        "(or serve --port)"
    ]
    assert "ready" not in result.stdout
    assert "Traceback" not in result.stderr


def test_an_address_of_another_machine_names_dialtrail_host(database_url: str) -> None:
    variables = {"DIALTRAIL_DATABASE_URL": database_url, "DIALTRAIL_HOST": "192.0.2.1"}
    result = run_with({**variables, "DIALTRAIL_SECRET_KEY": TEST_SECRET_KEY}, "serve")

    assert result.returncode == 1
    assert "192.0.2.1 is not an address of this machine; set DIALTRAIL_HOST" in result.stderr
    assert "ready" not in result.stdout


def test_ready_is_printed_once_the_server_answers(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    environment = {
        **os.environ,
        "DIALTRAIL_DATABASE_URL": database_url,
        "DIALTRAIL_SECRET_KEY": TEST_SECRET_KEY,
    }
    process = subprocess.Popen(
        [DIALTRAIL, "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        # Read the moment it is printed: the port must already answer.
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        process.terminate()
        process.communicate(timeout=20)

    base = f"http://127.0.0.1:{port}"
    assert banner.startswith("Dialtrail ")
    assert f"is ready at {base} " in banner
    assert f"admin: {base}/admin/" in banner
    assert health.status_code == 200
