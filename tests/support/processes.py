"""The ``dialtrail`` command run as a real process: one-off commands and `dialtrail serve`."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from tests.support.clients import shared_tls
from tests.support.databases import TEST_SECRET_KEY, Database
from tests.support.server import free_port

DIALTRAIL = str(Path(sys.executable).parent / "dialtrail")


def run(database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_with({"DIALTRAIL_DATABASE_URL": database_url}, *arguments)


def run_with(
    variables: dict[str, str | None], *arguments: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs `dialtrail`; a variable set to None is removed from the environment."""
    environment = {**os.environ, **variables}
    return subprocess.run(
        [DIALTRAIL, *arguments],
        env={key: value for key, value in environment.items() if value is not None},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextmanager
def serving(environment: dict[str, str], cwd: Path | None = None) -> Iterator[str]:
    with serve_process(environment, cwd) as (_, base_url):
        yield base_url


@contextmanager
def serve_process(
    environment: dict[str, str], cwd: Path | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`dialtrail serve` and its base URL; stopped afterwards unless the test killed it."""
    port = free_port()
    # Output to a file, not a pipe: nobody reads a pipe while the test runs, and once its 64 KB
    # were full of access-log lines the server blocked on its next line and answered nothing
    # (the kill test's stream stalled after ~700 requests, its senders timing out).
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            [DIALTRAIL, "serve", "--port", str(port)],
            # Bots get numbers and the tests' one address is not rate-limited, as in
            # tests/support/databases.py's settings_for.
            env={
                **os.environ,
                "DIALTRAIL_SECRET_KEY": TEST_SECRET_KEY,
                "DIALTRAIL_LEASE_TO_BOTS": "1",
                "DIALTRAIL_COLLECTOR_RATE": "100000",
                "DIALTRAIL_COLLECTOR_BURST": "100000",
                **environment,
            },
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(base_url, process, output)
            yield process, base_url
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=20)


# Starting `dialtrail serve` takes a second or two of CPU; on a machine shared by several
# test runs (and by both xdist workers) that has taken longer than 30 s.
HEALTHY_WITHIN = 60


def wait_for_health(base_url: str, process: subprocess.Popen[str], output: IO[str]) -> None:
    deadline = time.monotonic() + HEALTHY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            raise AssertionError(f"dialtrail serve exited: {output.read()}")
        try:
            answer = httpx.get(base_url + "/healthz", timeout=5, verify=shared_tls())
            if answer.status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"dialtrail serve did not become healthy within {HEALTHY_WITHIN} s")


def database_url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)
