"""Telephony events: requests per second and server CPU per ``POST /api/v1/telephony/events``,
per event kind, next to two baselines measured in the same run (``GET /healthz`` and an
authenticated ``GET /api/v1/projects/{id}``).

    .venv/bin/python benchmarks/telephony.py [--database sqlite|postgresql]
        [--calls 200] [--rounds 2] [--connections 4] [--numbers 10] [--webhooks 3]
        [--profile cpu|wall]

The project has a pool of ``--numbers`` tracking numbers, each leased to a visit with four
page views and a value for each of three entities, and ``--webhooks`` webhooks on
``call.completed``. Each round sends, list after list (every request of a list answered before
the next list starts): the two baselines, then ``started`` for ``--calls`` new calls, then
``answered`` for them, then ``ended``. So ``started`` creates each call (attribution to the
session, visit and entity snapshots), ``ended`` writes one delivery per webhook. The server
(one uvicorn process, Dialtrail's app, no delivery worker) is measured per list.

Results: a table on stdout and benchmarks/results/telephony-<backend>.json. With
``--profile`` only the telephony events are sent, the server runs under cProfile and the
summary says where the time went per event (benchmarks/results/telephony-<backend>.prof).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import call_scene, cli, report, scratch, server
from harness.batches import Sent, request_bytes, send_all
from harness.load import new_event_loop
from harness.report import percentile, say
from harness.usage import CpuMeter, Reading
from sqlalchemy import func, select

from dialtrail.calls.models import Call, CallEvent
from dialtrail.webhooks.models import WebhookDelivery

BASELINES = ("healthz", "api_get")
EVENTS = ("started", "answered", "ended")
WARMUP_CALLS = 20
EVENTS_PATH = "/api/v1/telephony/events"


@dataclass
class Measured:
    """One kind of request over all rounds: what the sender saw and the CPU it cost."""

    sent: list[Sent] = field(default_factory=list)
    cpu: Reading = field(default_factory=Reading)

    def figures(self) -> dict[str, Any]:
        answered = sum(part.answered for part in self.sent) or 1
        seconds = sum(part.seconds for part in self.sent) or 1e-9
        latencies = sorted(latency for part in self.sent for latency in part.latencies)
        per_request = 1e6 / answered
        return {
            "requests": answered,
            "non_2xx": answered - sum(part.succeeded for part in self.sent),
            "requests_per_second": answered / seconds,
            "per_round_requests_per_second": [part.answered / part.seconds for part in self.sent],
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "server_cpu_us": self.cpu.server * per_request,
            "server_event_loop_cpu_us": self.cpu.server_event_loop * per_request,
            "database_cpu_us": max(0.0, self.cpu.database) * per_request,
            "server_cores": self.cpu.server / (self.cpu.wall or 1e-9),
            "machine_busy": self.cpu.machine_busy / (self.cpu.machine_total or 1e-9),
        }


class Run:
    """The requests of one benchmark run against a started server, list by list."""

    def __init__(
        self,
        arguments: argparse.Namespace,
        port: int,
        project_id: int,
        scene: call_scene.CallScene,
        meter: CpuMeter,
    ) -> None:
        self.arguments = arguments
        self.port = port
        self.project_id = project_id
        self.scene = scene
        self.meter = meter
        self.measured = {kind: Measured() for kind in BASELINES + EVENTS}
        self.first_start = datetime.now(UTC) - timedelta(minutes=5)
        self.calls_made = 0

    def kinds(self) -> tuple[str, ...]:
        return EVENTS if self.arguments.profile else BASELINES + EVENTS

    async def drive(self) -> None:
        await self.round(WARMUP_CALLS, measure=False)
        for number in range(self.arguments.rounds):
            figures = await self.round(self.arguments.calls, measure=True)
            say(f"  round {number + 1}: " + ", ".join(figures))

    async def round(self, calls: int, measure: bool) -> list[str]:
        names = [f"call-{self.calls_made + index}" for index in range(calls)]
        self.calls_made += calls
        lines = []
        for kind in self.kinds():
            requests = self.requests_for(kind, names)
            before = self.meter.read()
            sent = await send_all(self.port, requests, self.arguments.connections)
            used = self.meter.read() - before
            check_answers(kind, sent)
            if measure:
                self.measured[kind].sent.append(sent)
                self.measured[kind].cpu = self.measured[kind].cpu + used
                lines.append(f"{kind} {sent.answered / sent.seconds:,.0f}/s")
        return lines

    def requests_for(self, kind: str, names: list[str]) -> list[bytes]:
        authorised = {"Authorization": f"Bearer {self.scene.token}"}
        if kind == "healthz":
            return [request_bytes("GET", "/healthz", {}) for _ in names]
        if kind == "api_get":
            path = f"/api/v1/projects/{self.project_id}"
            return [request_bytes("GET", path, authorised) for _ in names]
        headers = {**authorised, "Content-Type": "application/json"}
        return [
            request_bytes("POST", EVENTS_PATH, headers, self.event_body(kind, name))
            for name in names
        ]

    def event_body(self, kind: str, name: str) -> bytes:
        index = int(name.rsplit("-", 1)[1])
        started = self.first_start + timedelta(milliseconds=index)
        numbers = self.scene.numbers
        body: dict[str, Any] = {
            "project_id": self.project_id,
            "call_id": name,
            "event": kind,
            "caller": f"+38067{index % 10_000_000:07d}",
            "called": numbers[index % len(numbers)],
            "at": started.isoformat(),
        }
        if kind == "answered":
            body["at"] = (started + timedelta(seconds=15)).isoformat()
        if kind == "ended":
            body["at"] = (started + timedelta(seconds=95)).isoformat()
            body.update(duration_seconds=95, talk_seconds=80)
        return json.dumps(body, separators=(",", ":")).encode()


def check_answers(kind: str, sent: Sent) -> None:
    if sent.succeeded != sent.answered:
        shown = b"\n".join(sent.refused).decode(errors="replace")
        raise RuntimeError(f"{kind}: {sent.answered - sent.succeeded} non-2xx answers:\n{shown}")


# The run -----------------------------------------------------------------------------------


def benchmark(arguments: argparse.Namespace) -> int:
    with scratch.database(arguments.database, arguments.postgres_url) as database:
        say(f"telephony benchmark on {database.backend} (scratch: {database.name})")
        environment = report.environment()  # before the run: the tree may change meanwhile
        prepared = scratch.prepare_project(database.url)
        engine = scratch.engine_for(database.url)
        try:
            scene = call_scene.prepare(
                engine,
                prepared.project_id,
                prepared.owner_id,
                arguments.numbers,
                arguments.webhooks,
                datetime.now(UTC),
            )
            port = server.free_port()
            command = server_command(arguments, database.url, port)
            with server.running(command, port) as process:
                marker = f" {database.name} " if database.backend == "postgresql" else None
                run = Run(
                    arguments, port, prepared.project_id, scene, CpuMeter(process.pid, marker)
                )
                drive(run)
            rows = row_check(engine, run.calls_made, arguments.webhooks)
        finally:
            engine.dispose()
    say(describe_rows(rows))
    if arguments.profile:
        show_profile(arguments, run)
    else:
        conclude(arguments, run, rows, environment)
    return 0 if rows["passed"] else 1


def server_command(arguments: argparse.Namespace, url: str, port: int) -> list[str]:
    return cli.server_command(__file__, arguments, url, port, profile_path(arguments))


def profile_path(arguments: argparse.Namespace) -> Path:
    return report.RESULTS / f"telephony-{arguments.database}.prof"


def drive(run: Run) -> None:
    loop = new_event_loop()
    try:
        loop.run_until_complete(run.drive())
    finally:
        loop.close()


def row_check(engine: Any, calls: int, webhooks: int) -> dict[str, Any]:
    """Every call recorded once with its three events, attributed to its visit, and one
    ``call.completed`` delivery per webhook."""
    with engine.connect() as connection:
        counts = {
            "calls": connection.scalar(select(func.count()).select_from(Call)),
            "attributed": connection.scalar(
                select(func.count()).where(Call.attribution == "session")
            ),
            "call_events": connection.scalar(select(func.count()).select_from(CallEvent)),
            "deliveries": connection.scalar(select(func.count()).select_from(WebhookDelivery)),
        }
    expected = {
        "calls": calls,
        "attributed": calls,
        "call_events": calls * len(EVENTS),
        "deliveries": calls * webhooks,
    }
    return {"counts": counts, "expected": expected, "passed": counts == expected}


def describe_rows(rows: dict[str, Any]) -> str:
    outcome = "OK" if rows["passed"] else f"FAILED: expected {rows['expected']}"
    return f"row check: {rows['counts']} -> {outcome}"


def conclude(
    arguments: argparse.Namespace, run: Run, rows: dict[str, Any], environment: dict[str, Any]
) -> None:
    kinds = {kind: run.measured[kind].figures() for kind in BASELINES + EVENTS}
    result = {
        "benchmark": "telephony",
        "database": arguments.database,
        "calls_per_round": arguments.calls,
        "rounds": arguments.rounds,
        "connections": arguments.connections,
        "numbers": arguments.numbers,
        "webhooks": arguments.webhooks,
        "kinds": kinds,
        "ratios": ratios(kinds),
        "rows": rows,
        "environment": environment,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    path = report.write_json(f"telephony-{arguments.database}.json", result)
    say(describe(result, path))


def ratios(kinds: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per event: its CPU per request over each baseline's, and the baselines' throughput over
    its own (how many times dearer than a request that does next to nothing)."""
    found = {}
    for event in EVENTS:
        figures = kinds[event]
        cost = figures["server_cpu_us"] + figures["database_cpu_us"]
        for baseline in BASELINES:
            other = kinds[baseline]
            found[f"{event}/{baseline}"] = {
                "cpu": cost / max(other["server_cpu_us"] + other["database_cpu_us"], 1e-9),
                "throughput": other["requests_per_second"]
                / max(figures["requests_per_second"], 1e-9),
            }
    return found


def cpu_cost(figures: dict[str, Any]) -> float:
    """Server plus PostgreSQL backends, µs per request."""
    return float(figures["server_cpu_us"] + figures["database_cpu_us"])


def describe(result: dict[str, Any], path: Path) -> str:
    header = (
        f"{'request':<9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'server µs':>10} "
        f"{'loop µs':>8} {'db µs':>7} {'cores':>6} {'machine':>8}"
    )
    lines = [
        "",
        f"{result['database']}, {result['calls_per_round']} calls x {result['rounds']} rounds, "
        f"{result['connections']} connections, {result['numbers']} numbers, "
        f"{result['webhooks']} webhooks on call.completed",
        header,
        "-" * len(header),
    ]
    for kind, figures in result["kinds"].items():
        lines.append(
            f"{kind:<9} {figures['requests_per_second']:>8,.0f} {figures['p50_ms']:>7.1f} "
            f"{figures['p99_ms']:>7.1f} {figures['server_cpu_us']:>10,.0f} "
            f"{figures['server_event_loop_cpu_us']:>8,.0f} {figures['database_cpu_us']:>7,.0f} "
            f"{figures['server_cores']:>6.2f} {figures['machine_busy']:>7.0%}"
        )
    lines.append(
        "(server µs: server CPU per request, of which loop µs on the event loop thread; db µs: "
        "PostgreSQL backends; cores: server cores used; machine: share of all cores busy)"
    )
    for name, ratio in result["ratios"].items():
        lines.append(
            f"  {name:<18} CPU x{ratio['cpu']:6.1f}   throughput x{ratio['throughput']:6.1f}"
        )
    lines.append(f"written to {path}")
    return "\n".join(lines)


def show_profile(arguments: argparse.Namespace, run: Run) -> None:
    from harness.profiling import summary

    path = profile_path(arguments)
    if not path.exists():
        say(f"no profile was written to {path}")
        return
    events = run.calls_made * len(EVENTS)
    say(f"\nprofiled ({arguments.profile} clock), per telephony event (all three kinds):")
    say(summary(path, events))
    say(f"full profile: {path} (python -m pstats {path})")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.parser_for(__doc__)
    cli.add_database_arguments(parser)
    parser.add_argument("--calls", type=int, default=200, help="new calls per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every kind of request")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections")
    parser.add_argument("--numbers", type=int, default=10, help="pool numbers, one visit each")
    parser.add_argument("--webhooks", type=int, default=3, help="webhooks on call.completed")
    cli.add_profile_argument(parser, "the server (telephony events only, no baselines)")
    cli.add_server_arguments(parser)
    arguments = parser.parse_args(argv)
    if min(arguments.calls, arguments.rounds, arguments.connections, arguments.numbers) < 1:
        parser.error("--calls, --rounds, --connections and --numbers must be positive")
    if arguments.webhooks < 0:
        parser.error("--webhooks must be at least 0")
    return arguments


def main(argv: list[str] | None = None) -> int:
    return cli.serve_or_run(parse_arguments(argv), benchmark)


if __name__ == "__main__":
    sys.exit(main())
