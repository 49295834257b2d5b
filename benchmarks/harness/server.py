"""The server under test: one uvicorn process, one worker, serving Dialtrail's app and, at
``/bare``, a bare ASGI endpoint with no framework. Both share the process, the event loop and
the HTTP parser, so their ratio isolates what Dialtrail adds per request.

``serve`` runs inside the subprocess; ``running`` starts and stops it from the benchmark.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

BARE_PATH = "/bare"
BARE_BODY = b'{"ok":true}'
BARE_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BARE_BODY)).encode()),
]
# cProfile with either clock, or the sampler (harness/sampler.py; written next to the path).
PROFILE_CLOCKS = ("cpu", "wall", "sample")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body (as the collector does) and answers a tiny JSON document."""
    more_body = True
    while more_body:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        more_body = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": BARE_HEADERS})
    await send({"type": "http.response.body", "body": BARE_BODY})


def with_bare_endpoint(app: Any, database_url: str | None = None) -> Any:
    """``/bare`` in front of ``app``, and ``/floor`` (harness/floor_endpoint.py) when given
    the database."""
    from harness.floor_endpoint import FLOOR_PATH, FloorWriter, floor

    writer = FloorWriter(database_url) if database_url else None

    async def routed(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == BARE_PATH:
            await bare(scope, receive, send)
        elif writer is not None and scope["type"] == "http" and scope["path"] == FLOOR_PATH:
            await floor(writer, receive, send)
        else:
            await app(scope, receive, send)

    return routed


def build_app(database_url: str, deriver: bool = True) -> Any:
    """``deriver``: False when the benchmark runs ``dialtrail deriver`` as a process apart."""
    from dialtrail import settings
    from dialtrail.app import create_app

    config = settings.load(
        {"DIALTRAIL_DATABASE_URL": database_url, "DIALTRAIL_LOG_LEVEL": "warning"}
    )
    # The load comes from one address; the rate limit must not be what is measured. The
    # benchmarks that deliver webhooks run their own worker; the deriver runs as in `serve`.
    config = config.replace(
        collector_rate=1e9, collector_burst=10**9, worker=False, deriver=deriver
    )
    return with_bare_endpoint(create_app(config), database_url)


def serve(
    database_url: str,
    port: int,
    profile_path: Path | None,
    clock: str | None,
    deriver: bool = True,
) -> None:
    import uvicorn

    from harness.profiling import ThreadProfilers
    from harness.sampler import Sampler

    sampler = Sampler() if profile_path and clock == "sample" else None
    # Threads the app starts (a writer thread, say) must be profiled too: hook them first.
    profilers = ThreadProfilers(clock or "cpu") if profile_path and not sampler else None
    app = build_app(database_url, deriver)
    if profilers is not None:
        profilers.start_in_thread()  # the main thread (event loop), after the imports
    if sampler is not None:
        sampler.start()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        workers=1,
        log_level="warning",
        access_log=False,
        lifespan="on",  # the collector's deriver thread, as `dialtrail serve` runs it
    )
    if profilers is not None and profile_path is not None:
        profilers.save(profile_path)
    if sampler is not None and profile_path is not None:
        sampler.save(samples_path(profile_path))


def samples_path(profile_path: Path) -> Path:
    return profile_path.with_suffix(".samples.txt")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def running(
    command: Sequence[str],
    port: int,
    ready_path: str | None = None,
    environment: Mapping[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Starts the server subprocess, waits until ``/bare`` answers (or ``GET ready_path``
    answers 200), stops it with SIGINT (so that uvicorn shuts down cleanly and a profile is
    written) when the block ends."""
    process = subprocess.Popen(command, env=environment)  # noqa: S603 (our own interpreter)
    try:
        wait_until_ready(process, port, ready_path)
        yield process
    finally:
        stop(process)


def wait_until_ready(
    process: subprocess.Popen[bytes], port: int, ready_path: str | None = None
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited at start-up with status {process.returncode}")
        if answers_get(port, ready_path) if ready_path else answers_bare(port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer on port {port} within {START_TIMEOUT:.0f} s")


def answers_bare(port: int) -> bool:
    request = f"POST {BARE_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(request.encode())
            return connection.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def answers_get(port: int, path: str) -> bool:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(request.encode())
            return connection.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        print("the server did not stop on SIGINT; killing it", file=sys.stderr)
        process.kill()
        process.wait()
