"""Webhook delivery (docs/design.md §8): deliveries per second through one worker process (goal
≥ 1,000/s) and latency from a call's ``ended`` event to the first attempt (goal p99 ≤ 250 ms),
each next to a baseline measured in the same run.

    .venv/bin/python benchmarks/webhooks.py [--database sqlite|postgresql]
        [--part both|throughput|latency] [--deliveries 500] [--rounds 2]
        [--calls 100] [--pause 0.05] [--profile cpu|wall]

A receiver (its own uvicorn process, a framework-less ASGI callable answering 200 at once)
counts requests by ``webhook-id`` and notes when each arrived.

Throughput: ``--deliveries`` pending deliveries (one webhook, a call each) are drained by one
``dialtrail worker`` process; the baseline sends the same requests (rendered and signed with
the worker's functions beforehand) with the worker's aiohttp session, as many in flight as
the worker allows one webhook, straight to the receiver. Each round runs the baseline, then a
fresh worker. The receiver must see every delivery exactly once.

Latency: ``dialtrail serve`` (worker inside) and a webhook on ``call.completed``; ``--calls``
calls are reported ``ended`` through POST /api/v1/telephony/events, one at a time with
``--pause`` between. Latency is the receiver's arrival time minus the time just before the
request was sent (one machine-wide monotonic clock, see harness/receiver.py); the baseline is
that request's own round trip.

Results: a summary on stdout and benchmarks/results/webhooks-<backend>.json. With ``--profile``
the worker (throughput, one round) or the server (latency) runs under cProfile and a summary
of where its time went is printed (benchmarks/results/webhooks-<part>-<backend>.prof).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from harness import cli, report, scratch, server, webhook_rows
from harness.load import Job, new_event_loop, run_job
from harness.receiver import READY_PATH, Arrivals, ReceiverControl, arrival_check
from harness.report import percentile, say
from harness.usage import SenderMeter
from sqlalchemy import Engine, create_engine

THROUGHPUT_GOAL = 1000.0  # deliveries per second
LATENCY_GOAL_MS = 250.0  # p99, from the `ended` request to the first attempt
WARMUP_CALLS = 5
DRAIN_POLL_SECONDS = 0.02
ARRIVAL_TIMEOUT = 30.0
CAPACITY_SECONDS = 2.0
CAPACITY_CONNECTIONS = 32


@dataclass
class Bench:
    """One run: the scratch database, the secret key, the receiver, and their handles."""

    arguments: argparse.Namespace
    database: scratch.Scratch
    engine: Engine  # the product's engine (SQLite: every transaction takes the write lock)
    reader: Engine  # a plain one, for counting while the worker writes
    key: str
    receiver: ReceiverControl
    receiver_pid: int
    prepared: scratch.Prepared

    @property
    def marker(self) -> str | None:
        return f" {self.database.name} " if self.database.backend == "postgresql" else None

    def environment(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DIALTRAIL_DATABASE_URL": self.database.url,
            "DIALTRAIL_SECRET_KEY": self.key,
            "DIALTRAIL_WEBHOOK_ALLOW_PRIVATE": "1",
            "DIALTRAIL_LOG_LEVEL": "warning",
            **extra,
        }

    def dialtrail_command(self, command: str, part: str) -> list[str]:
        arguments = [sys.executable, __file__, "--dialtrail", command]
        if self.arguments.profile:
            path = profile_path(self.arguments, part)
            arguments += ["--profile", self.arguments.profile, "--profile-out", str(path)]
        return arguments


# Throughput --------------------------------------------------------------------------------


def measure_throughput(bench: Bench) -> dict[str, Any]:
    from dialtrail.secrets import SecretBox

    box = SecretBox(bench.key)
    webhook_id = webhook_rows.add_webhook(
        bench.engine, bench.prepared.project_id, bench.receiver.url, box
    )
    rounds: list[dict[str, Any]] = []
    capacity: dict[str, Any] = {}
    for number in range(bench.arguments.rounds):
        deliveries = webhook_rows.add_pending_deliveries(
            bench.engine, webhook_id, bench.arguments.deliveries, f"round{number + 1}"
        )
        outgoing = webhook_rows.outgoing_requests(bench.engine, box, deliveries)
        capacity = capacity or receiver_capacity(bench, outgoing[0].body)
        baseline = send_directly(bench, outgoing)
        drained = drain(bench, webhook_id, {request.message_id for request in outgoing})
        say(
            f"  round {number + 1}: worker {drained['per_second']:,.0f} deliveries/s, "
            f"baseline {baseline['per_second']:,.0f} requests/s"
        )
        rounds.append({"baseline": baseline, "worker": drained})
    counts = webhook_rows.delivery_counts(bench.reader, webhook_id)
    webhook_rows.disable_webhook(bench.engine, webhook_id)
    return {**throughput_result(bench.arguments, rounds, counts), "receiver_capacity": capacity}


def receiver_capacity(bench: Bench, body: bytes) -> dict[str, Any]:
    """What the receiver answers per second to the harness's load generator (raw asyncio
    protocols, keep-alive connections, no HTTP library): the most any sender could get from
    it on this machine. Requests without a webhook-id; the receiver is reset after."""
    job = Job("/hook", lambda: body, CAPACITY_SECONDS, warmup=0.5)
    loop = new_event_loop()
    try:
        tally = loop.run_until_complete(run_job(bench.receiver.port, job, CAPACITY_CONNECTIONS))
    finally:
        loop.close()
    bench.receiver.reset()
    return {
        "requests_per_second": tally.succeeded / tally.measured_seconds,
        "connections": CAPACITY_CONNECTIONS,
        "non_2xx": tally.failed + tally.lost_connections,
    }


def send_directly(bench: Bench, outgoing: list[webhook_rows.Outgoing]) -> dict[str, Any]:
    """The baseline: the same requests, straight from this process to the receiver."""
    bench.receiver.reset()
    # The previous rounds' garbage is collected before the clock starts, not inside one
    # round's baseline (a full collection landed in round 2's and doubled its CPU).
    gc.collect()
    meter = SenderMeter(os.getpid(), bench.receiver_pid, None)
    before = meter.read()
    statuses = asyncio.run(post_all(outgoing))
    used = meter.read().minus(before)
    seen = bench.receiver.arrivals()
    expected = {request.message_id for request in outgoing}
    return {
        **phase_figures(used, len(outgoing)),
        "non_2xx": sum(1 for status in statuses if not 200 <= status < 300),
        "check": arrival_check(seen, expected),
    }


async def post_all(outgoing: list[webhook_rows.Outgoing]) -> list[int]:
    from dialtrail.outbound import Outbound
    from dialtrail.webhooks.lanes import PER_WEBHOOK

    # The worker's own client (aiohttp session: connection limit, timeout, the resolver) and
    # its limit of requests in flight for one webhook (the next goes as soon as one is back);
    # only Dialtrail's rendering, signing and bookkeeping are left out.
    outbound = Outbound(allow_private=True)
    in_flight = asyncio.Semaphore(PER_WEBHOOK)

    async def send(item: webhook_rows.Outgoing) -> int:
        async with in_flight:
            request = outbound.session().request(
                item.method, item.url, headers=item.headers, data=item.body, allow_redirects=False
            )
            async with request as answer:
                await answer.read()
                return answer.status

    try:
        return list(await asyncio.gather(*(send(item) for item in outgoing)))
    finally:
        await outbound.close()


def drain(bench: Bench, webhook_id: int, expected: set[str]) -> dict[str, Any]:
    """Starts a worker and times it from its start-up line to the moment no delivery of the
    webhook is pending any more (read every DRAIN_POLL_SECONDS)."""
    bench.receiver.reset()
    with worker_process(bench) as worker:
        meter = SenderMeter(worker.pid, bench.receiver_pid, bench.marker)
        before = meter.read()
        deadline = time.monotonic() + bench.arguments.drain_timeout
        pending = len(expected)
        while pending and time.monotonic() < deadline:
            time.sleep(DRAIN_POLL_SECONDS)
            pending = webhook_rows.pending_count(bench.reader, webhook_id)
        used = meter.read().minus(before)
    seen = bench.receiver.arrivals()
    return {
        **phase_figures(used, len(expected) - pending),  # delivered, should the time run out
        "still_pending": pending,
        "check": arrival_check(seen, expected),
    }


@contextlib.contextmanager
def worker_process(bench: Bench) -> Iterator[subprocess.Popen[bytes]]:
    """`dialtrail worker`, yielded once it printed its start-up line: from there on it works."""
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        bench.dialtrail_command("worker", "throughput"),
        env=bench.environment(),
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if b"worker started" not in line:
            raise RuntimeError(f"the worker did not start: {line!r}")
        yield process
    finally:
        server.stop(process)


def phase_figures(used: dict[str, float], requests: int) -> dict[str, Any]:
    seconds, per_request = used["seconds"], 1e6 / max(requests, 1)
    return {
        "requests": requests,
        "seconds": seconds,
        "per_second": requests / seconds,
        "sender_cpu_us_per_request": used["sender_cpu"] * per_request,
        "receiver_cpu_us_per_request": used["receiver_cpu"] * per_request,
        "database_cpu_us_per_request": used["database_cpu"] * per_request,
        "sender_cores": used["sender_cpu"] / seconds,
        "machine_busy": used["machine_busy"],
    }


def throughput_result(
    arguments: argparse.Namespace, rounds: list[dict[str, Any]], counts: dict[str, int]
) -> dict[str, Any]:
    total = sum(entry["worker"]["requests"] for entry in rounds)
    worker_seconds = sum(entry["worker"]["seconds"] for entry in rounds)
    baseline_seconds = sum(entry["baseline"]["seconds"] for entry in rounds)
    per_second = total / worker_seconds
    baseline = total / baseline_seconds
    checks = [entry[side]["check"]["passed"] for entry in rounds for side in entry]
    return {
        "deliveries_per_round": arguments.deliveries,
        "rounds": rounds,
        "deliveries_per_second": per_second,
        "baseline_per_second": baseline,
        "ratio": per_second / baseline,
        "ratio_per_round": [
            entry["worker"]["per_second"] / entry["baseline"]["per_second"] for entry in rounds
        ],
        "goal_per_second": THROUGHPUT_GOAL,
        "rows": counts,
        "passed": all(checks)
        and counts.get("delivered", 0) == total
        and counts["attempts"] == total,
    }


# Latency -----------------------------------------------------------------------------------


def measure_latency(bench: Bench) -> dict[str, Any]:
    from dialtrail.secrets import SecretBox

    token = webhook_rows.add_token(bench.engine, bench.prepared.owner_id)
    webhook_rows.add_webhook(
        bench.engine, bench.prepared.project_id, bench.receiver.url, SecretBox(bench.key)
    )
    clock = bench.receiver.same_clock()
    if not clock["passed"]:
        raise RuntimeError("the receiver's monotonic clock is not this process's: cannot time")
    port = server.free_port()
    environment = bench.environment(DIALTRAIL_PORT=str(port), DIALTRAIL_WORKER="1")
    command = bench.dialtrail_command("serve", "latency")
    with (
        server.running(command, port, "/healthz", environment) as process,
        httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ) as client,
    ):
        reporter = Reporter(client, bench.prepared.project_id, bench.arguments.pause)
        reporter.report_calls("warmup", WARMUP_CALLS)
        wait_for_arrivals(bench.receiver, WARMUP_CALLS)  # none may arrive after the reset
        bench.receiver.reset()
        meter = SenderMeter(process.pid, bench.receiver_pid, bench.marker)
        before = meter.read()
        timings = reporter.report_calls("call", bench.arguments.calls)
        seen = wait_for_arrivals(bench.receiver, len(timings))
        used = meter.read().minus(before)
    ids = webhook_rows.message_ids_by_call(bench.reader, [timing.call_id for timing in timings])
    return latency_result(bench.arguments, timings, ids, seen, used, clock)


@dataclass(frozen=True)
class Timing:
    call_id: int
    sent: float  # time.monotonic() just before the request was written
    answered: float  # … and once the whole answer was read


class Reporter:
    def __init__(self, client: httpx.Client, project_id: int, pause: float) -> None:
        self.client = client
        self.project_id = project_id
        self.pause = pause

    def report_calls(self, label: str, count: int) -> list[Timing]:
        timings = []
        for number in range(count):
            timings.append(self.report_ended(f"{label}-{number}"))
            time.sleep(self.pause)
        return timings

    def report_ended(self, external_id: str) -> Timing:
        body = {
            "project_id": self.project_id,
            "call_id": external_id,
            "event": "ended",
            "caller": webhook_rows.CALLER,
            "called": webhook_rows.TRACKING_NUMBER,
            "at": datetime.now(UTC).isoformat(),
            "duration_seconds": 95,
            "talk_seconds": 80,
        }
        sent = time.monotonic()
        answer = self.client.post("/api/v1/telephony/events", json=body)
        answered = time.monotonic()
        if answer.status_code != 201:
            raise RuntimeError(f"the `ended` event was refused: {answer.status_code} {answer.text}")
        return Timing(int(answer.json()["call_id"]), sent, answered)


def wait_for_arrivals(receiver: ReceiverControl, count: int) -> Arrivals:
    deadline = time.monotonic() + ARRIVAL_TIMEOUT
    seen = receiver.arrivals()
    while len(seen.by_id) < count and time.monotonic() < deadline:
        time.sleep(0.1)
        seen = receiver.arrivals()
    return seen


def latency_result(
    arguments: argparse.Namespace,
    timings: list[Timing],
    ids: dict[int, list[str]],
    seen: Arrivals,
    used: dict[str, float],
    clock: dict[str, Any],
) -> dict[str, Any]:
    latencies, after_answer = [], []
    for timing in timings:
        arrived = first_arrival(ids.get(timing.call_id, []), seen)
        if arrived is not None:
            latencies.append(arrived - timing.sent)
            after_answer.append(arrived - timing.answered)
    round_trips = [timing.answered - timing.sent for timing in timings]
    expected = {message_id for found in ids.values() for message_id in found}
    latency, round_trip = spread(latencies), spread(round_trips)
    return {
        "calls": len(timings),
        "pause_seconds": arguments.pause,
        "warmup_calls": WARMUP_CALLS,
        "latency_ms": latency,
        "round_trip_ms": round_trip,
        "arrival_after_answer_ms": spread(after_answer),
        "arrived_before_answer": sum(1 for gap in after_answer if gap < 0),
        "ratio": latency["p99"] / round_trip["p99"],
        "goal_p99_ms": LATENCY_GOAL_MS,
        "server_cpu_ms_per_call": used["sender_cpu"] / len(timings) * 1e3,
        "database_cpu_ms_per_call": used["database_cpu"] / len(timings) * 1e3,
        "machine_busy": used["machine_busy"],
        "clock_check": clock,
        "check": {
            **arrival_check(seen, expected),
            "calls_without_delivery": sum(1 for timing in timings if timing.call_id not in ids),
        },
    }


def first_arrival(message_ids: list[str], seen: Arrivals) -> float | None:
    """When the first attempt of any of these deliveries reached the receiver."""
    arrivals = [at for message_id in message_ids for at in seen.by_id.get(message_id, [])]
    return min(arrivals) if arrivals else None


def spread(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        name: percentile(ordered, fraction) * 1000
        for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
    }


# The run -----------------------------------------------------------------------------------


def benchmark(arguments: argparse.Namespace) -> int:
    with scratch.database(arguments.database, arguments.postgres_url) as database:
        say(f"webhook benchmark on {database.backend} (scratch: {database.name})")
        environment = report.environment()  # before the run: the tree may change meanwhile
        prepared = scratch.prepare_project(database.url)
        engine, reader = scratch.engine_for(database.url), create_engine(database.url)
        port = server.free_port()
        receive = [sys.executable, __file__, "--receive", "--port", str(port)]
        try:
            with server.running(receive, port, READY_PATH) as receiver:
                bench = Bench(
                    arguments,
                    database,
                    engine,
                    reader,
                    secrets.token_urlsafe(48),
                    ReceiverControl(port),
                    receiver.pid,
                    prepared,
                )
                result = run_parts(bench)
        finally:
            engine.dispose()
            reader.dispose()
    if arguments.profile:
        show_profile(arguments, result)
        return 0
    result["environment"] = environment
    conclude(arguments, result)
    passed = [result["throughput"]["passed"]] if "throughput" in result else []
    passed += [result["latency"]["check"]["passed"]] if "latency" in result else []
    return 0 if all(passed) else 1


def run_parts(bench: Bench) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if bench.arguments.part in ("both", "throughput"):
        say(f"throughput: {bench.arguments.deliveries:,} deliveries per round")
        result["throughput"] = measure_throughput(bench)
    if bench.arguments.part in ("both", "latency"):
        say(f"latency: {bench.arguments.calls} calls reported `ended`, one at a time")
        result["latency"] = measure_latency(bench)
    return result


def conclude(arguments: argparse.Namespace, result: dict[str, Any]) -> None:
    result.update(
        {
            "benchmark": "webhooks",
            "database": arguments.database,
            "part": arguments.part,
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
    )
    path = report.write_json(f"webhooks-{arguments.database}.json", result)
    if "throughput" in result:
        say(describe_throughput(result["throughput"]))
    if "latency" in result:
        say(describe_latency(result["latency"]))
    say(f"written to {path}")


def describe_throughput(result: dict[str, Any]) -> str:
    lines = ["", "throughput (one worker process, deliveries/s = deliveries / drain time):"]
    lines.append(
        f"{'round':<6} {'worker/s':>9} {'baseline/s':>11} {'ratio':>6} {'worker µs':>10} "
        f"{'db µs':>7} {'rcv µs':>7} {'base µs':>8} {'machine':>8}  check"
    )
    for number, entry in enumerate(result["rounds"], 1):
        worker, baseline = entry["worker"], entry["baseline"]
        checks = worker["check"], baseline["check"]
        lines.append(
            f"{number:<6} {worker['per_second']:>9,.0f} {baseline['per_second']:>11,.0f} "
            f"{worker['per_second'] / baseline['per_second']:>6.3f} "
            f"{worker['sender_cpu_us_per_request']:>10,.0f} "
            f"{worker['database_cpu_us_per_request']:>7,.0f} "
            f"{worker['receiver_cpu_us_per_request']:>7,.0f} "
            f"{baseline['sender_cpu_us_per_request']:>8,.0f} {worker['machine_busy']:>7.0%}  "
            + "; ".join(describe_check(check) for check in checks)
        )
    lines.append(
        "(µs: CPU per delivery of the worker, the PostgreSQL backends and the receiver, and "
        "per request of the baseline sender; machine: share of all cores busy while draining)"
    )
    capacity = result["receiver_capacity"]
    lines.append(
        f"receiver capacity (harness load generator, {capacity['connections']} connections, "
        f"no HTTP library): {capacity['requests_per_second']:,.0f} requests/s"
    )
    verdict = "meets" if result["deliveries_per_second"] >= THROUGHPUT_GOAL else "BELOW"
    lines.append(
        f"deliveries/s: {result['deliveries_per_second']:,.0f} ({verdict} the goal of "
        f"{THROUGHPUT_GOAL:,.0f}); baseline {result['baseline_per_second']:,.0f}/s; ratio "
        f"worker/baseline {result['ratio']:.3f}; rows {result['rows']}"
    )
    return "\n".join(lines)


def describe_check(check: dict[str, Any]) -> str:
    if check["passed"]:
        return f"{check['received']:,} received once each"
    return (
        f"FAILED: {check['received']:,} received, {check['distinct_ids']:,} distinct of "
        f"{check['expected']:,}, {check['missing']} missing, {check['doubled']} doubled, "
        f"{check['unexpected']} unexpected"
    )


def describe_latency(result: dict[str, Any]) -> str:
    latency, round_trip = result["latency_ms"], result["round_trip_ms"]
    after = result["arrival_after_answer_ms"]
    verdict = "meets" if latency["p99"] <= LATENCY_GOAL_MS else "MISSES"
    return "\n".join(
        [
            "",
            f"latency (dialtrail serve, {result['calls']} calls, {result['pause_seconds']:g} s "
            f"apart), ms:      p50     p95     p99     max",
            f"  `ended` sent -> first attempt arrives  {line(latency)}",
            f"  `ended` round trip (baseline)          {line(round_trip)}",
            f"  answer read -> first attempt arrives   {line(after)}"
            f"  ({result['arrived_before_answer']} arrived before the answer)",
            f"server CPU {result['server_cpu_ms_per_call']:.2f} ms per call (API and delivery)"
            + (
                f", PostgreSQL {result['database_cpu_ms_per_call']:.2f} ms"
                if result["database_cpu_ms_per_call"]
                else ""
            )
            + f"; machine {result['machine_busy']:.0%} busy",
            f"p99 latency {latency['p99']:.1f} ms ({verdict} the goal of {LATENCY_GOAL_MS:g} ms);"
            f" ratio p99 latency / p99 round trip {result['ratio']:.2f}; "
            + describe_check(result["check"]),
        ]
    )


def line(figures: dict[str, float]) -> str:
    return " ".join(f"{figures[name]:>7.1f}" for name in ("p50", "p95", "p99", "max"))


# Profiling and the subprocesses ------------------------------------------------------------


def profile_path(arguments: argparse.Namespace, part: str) -> Path:
    return report.RESULTS / f"webhooks-{part}-{arguments.database}.prof"


def show_profile(arguments: argparse.Namespace, result: dict[str, Any]) -> None:
    from harness.profiling import summary

    for part, figures in result.items():
        path = profile_path(arguments, part)
        if not path.exists():
            say(f"no profile was written to {path}")
            continue
        count = (
            figures["rounds"][-1]["worker"]["requests"]
            if part == "throughput"
            else (figures["calls"] + WARMUP_CALLS)
        )
        unit = "delivery" if part == "throughput" else "call (API request and delivery)"
        say(f"\nprofiled {part} ({arguments.profile} clock), per {unit}:")
        say(summary(path, count))
        say(f"full profile: {path} (python -m pstats {path})")


def run_dialtrail(command: str, profile_out: Path | None, clock: str | None) -> int:
    """`dialtrail COMMAND` in this process (the settings come from the environment), under
    the profiler when asked."""
    from dialtrail import cli

    if not profile_out:
        return cli.main([command])
    import uvicorn  # noqa: F401 (imported before profiling starts, as the app is)
    from harness.profiling import ThreadProfilers

    import dialtrail.app  # noqa: F401

    profilers = ThreadProfilers(clock or "cpu")
    profilers.start_in_thread()
    try:
        return cli.main([command])
    finally:
        profilers.save(profile_out)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.parser_for(__doc__)
    cli.add_database_arguments(parser)
    parser.add_argument("--part", choices=("both", "throughput", "latency"), default="both")
    parser.add_argument("--deliveries", type=int, default=500, help="per throughput round")
    parser.add_argument("--rounds", type=int, default=2, help="throughput rounds")
    parser.add_argument(
        "--drain-timeout", type=float, default=60.0, help="seconds a worker may take per round"
    )
    parser.add_argument("--calls", type=int, default=100, help="calls timed for latency")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between calls")
    cli.add_profile_argument(parser, "the worker (throughput, one round) or the server (latency)")
    # The subprocesses: this script again, with these.
    parser.add_argument("--receive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dialtrail", choices=("serve", "worker"), help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if min(arguments.deliveries, arguments.rounds, arguments.calls) < 1 or arguments.pause < 0:
        parser.error("--deliveries, --rounds and --calls must be positive, --pause at least 0")
    if arguments.profile:
        arguments.rounds = 1
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.receive:
        from harness.receiver import serve

        serve(arguments.port)
        return 0
    if arguments.dialtrail:
        return run_dialtrail(arguments.dialtrail, arguments.profile_out, arguments.profile)
    return cli.run_cleaning_up(arguments, benchmark)


if __name__ == "__main__":
    sys.exit(main())
