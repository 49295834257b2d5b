"""A fast webhook receiver for the benchmarks: its own uvicorn process, an ASGI callable with
no framework that answers 200 at once and notes each request's ``webhook-id`` and arrival.

Arrivals are read with ``time.monotonic()``. On Linux that is CLOCK_MONOTONIC, one clock for
the whole machine (time since boot), so the benchmark can subtract a time it read in its own
process from one the receiver read in this one; unlike ``time.time()`` it never jumps when
NTP steps the wall clock. ``same_clock`` checks the assumption at the start of each run.

Control paths, all under ``/_receiver/`` and never counted: ``GET /_receiver/ready``,
``GET /_receiver/clock`` (this process's monotonic time), ``GET /_receiver/requests`` (every
arrival since the last reset, as JSON) and ``POST /_receiver/reset``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

CONTROL = "/_receiver/"
READY_PATH = CONTROL + "ready"
OK_BODY = b"ok"
OK_HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"2")]


@dataclass
class Arrivals:
    """What the receiver saw since its last reset."""

    requests: int = 0
    without_id: int = 0
    by_id: dict[str, list[float]] = field(default_factory=dict)

    def note(self, webhook_id: str | None, at: float) -> None:
        self.requests += 1
        if webhook_id is None:
            self.without_id += 1
        else:
            self.by_id.setdefault(webhook_id, []).append(at)


def arrival_check(seen: Arrivals, expected: set[str]) -> dict[str, Any]:
    """Each expected webhook-id arrived exactly once, and nothing else arrived."""
    doubled = sum(1 for times in seen.by_id.values() if len(times) > 1)
    missing = len(expected - seen.by_id.keys())
    unexpected = len(seen.by_id.keys() - expected) + seen.without_id
    return {
        "received": seen.requests,
        "distinct_ids": len(seen.by_id),
        "expected": len(expected),
        "missing": missing,
        "doubled": doubled,
        "unexpected": unexpected,
        "passed": seen.requests == len(expected) == len(seen.by_id) and not missing,
    }


class Receiver:
    def __init__(self) -> None:
        self.arrivals = Arrivals()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return  # lifespan is off; nothing else is expected
        arrived = time.monotonic()  # the request line and headers are in
        path: str = scope["path"]
        if path.startswith(CONTROL):
            await self.control(path, send)
            return
        self.arrivals.note(header(scope, b"webhook-id"), arrived)
        await drain(receive)
        await send({"type": "http.response.start", "status": 200, "headers": OK_HEADERS})
        await send({"type": "http.response.body", "body": OK_BODY})

    async def control(self, path: str, send: Any) -> None:
        answer: Any = {"ok": True}
        if path == CONTROL + "clock":
            answer = {"monotonic": time.monotonic()}
        elif path == CONTROL + "requests":
            seen = self.arrivals
            answer = {"requests": seen.requests, "without_id": seen.without_id, "by_id": seen.by_id}
        elif path == CONTROL + "reset":
            self.arrivals = Arrivals()
        body = json.dumps(answer).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def drain(receive: Any) -> None:
    more_body = True
    while more_body:
        message = await receive()
        if message["type"] != "http.request":
            return
        more_body = message.get("more_body", False)


def serve(port: int) -> None:
    """Runs in the receiver's subprocess until SIGINT."""
    import uvicorn

    uvicorn.run(
        Receiver(),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )


class ReceiverControl:
    """The benchmark's side: reads and resets a running receiver."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.url = self.base + "/hook"

    def reset(self) -> None:
        httpx.post(self.base + CONTROL + "reset").raise_for_status()

    def arrivals(self) -> Arrivals:
        answer = httpx.get(self.base + CONTROL + "requests", timeout=30)
        answer.raise_for_status()
        seen = answer.json()
        return Arrivals(seen["requests"], seen["without_id"], seen["by_id"])

    def same_clock(self) -> dict[str, Any]:
        """Reads the receiver's monotonic clock between two readings of ours: on one clock
        it falls between them."""
        before = time.monotonic()
        theirs = httpx.get(self.base + CONTROL + "clock").json()["monotonic"]
        after = time.monotonic()
        return {"passed": before <= theirs <= after, "window_ms": (after - before) * 1000}
