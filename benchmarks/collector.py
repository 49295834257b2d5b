"""Collector throughput: page views per second with a durable commit, as a ratio to a bare ASGI
endpoint served by the same server in the same run (docs/design.md §8: goal ≥ 0.4); the total
CPU per page view, the collector's deriver included (goal: half of 265 µs SQLite / 422 µs
PostgreSQL); the derivation lag at half the maximum rate (goal: p99 ≤ 1 s).

    .venv/bin/python benchmarks/collector.py [--database sqlite|postgresql]
        [--duration 10] [--connections 32] [--rounds 2] [--profile cpu|wall|sample]
        [--pool 50] [--open-leases 10,10000] [--pages-per-session 4] [--lag-seconds 5]
        [--deriver thread|process]

One uvicorn process (one worker) serves Dialtrail's app plus ``/bare``, a framework-less ASGI
callable, with its deriver thread running as in ``dialtrail serve``. This process is the load
generator: ``--connections`` keep-alive connections send requests back to back. One page view
in ``--pages-per-session`` starts a new visitor and session (and leases a number); the others
are further pages of a recent session, answered from the lease the server remembers. Each
carries three entity values, so each derives a page view, three observations and three
session values. After each slice of load the generator waits until the journal is derived,
and that work's CPU counts towards the collector's. One project per ``--open-leases`` level,
each with a pool of ``--pool`` numbers and that many open leases of a steady state written
beforehand (harness/pool.py; with one page view per session, each run lease ends at once, as
before the journal, so each new session closes a lease and takes one; with more, a real 300 s
hold, and new sessions share numbers once the pool is exhausted). The endpoints (bare, then
the collector of each project) take turns (``--rounds`` slices each, after a warm-up of each)
so that all see the same noise of a shared machine. Then ``--lag-seconds`` of load at half the
collector's rate measure the derivation lag (the server's lag histogram). At the end the page
views in the database must equal the 2xx answers (an acknowledged page view was never lost)
and the seeded leases must still be open. ``--before-journal`` measures a version without the
journal (benchmarks/README.md, "Measuring another version").

Results: a table on stdout and benchmarks/results/collector-<backend>.json. With ``--profile``
only the collector is loaded, the server runs under cProfile and the summary says where the
time goes (benchmarks/results/collector-<backend>.prof holds the full profile).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import collector_floor
from harness import cli, journal, pool, report, scratch, server
from harness.floor_endpoint import FLOOR_PATH
from harness.load import Job, Tally, new_event_loop, run_job
from harness.report import say
from harness.usage import CpuMeter, Reading, cores

GOAL = 0.4
# docs/design.md §8: half the total CPU per page view before the journal (265 µs SQLite,
# 422 µs PostgreSQL, measured on a quiet machine with this script's first version).
CPU_GOAL_US = {"sqlite": 265 / 2, "postgresql": 422 / 2}
LAG_GOAL_SECONDS = 1.0
# CPU per page view with the most open leases over the same with the fewest (issue #21).
LEASE_COST_GOAL = 1.2
WARMUP_SECONDS = 2.0
BARE = "bare"
FLOOR = "floor"


# A first page view of a new visitor: three new ids (22 URL-safe characters, as
# secrets.token_urlsafe(16) makes them) and three entity values. Built from a template with
# one urandom call, because on two cores the load generator's CPU is taken from the server's.
PAGE_VIEW_TEMPLATE = (
    json.dumps(
        {
            "visitor": "%(visitor)s",
            "session": "%(session)s",
            "page_view": "%(page_view)s",
            "new_session": "%(new)s",
            "url": "https://shop.example.com/?utm_source=newsletter&utm_medium=email",
            "title": "Shop - home",
            "referrer": "",
            "ga": "GA1.1.123456789.1700000000",
            "values": {"visit_id": "%(visit_id)s", "cart": "%(cart)s", "user": "%(user)s"},
            "truncated": [],
            "at": 1700000000000,
        },
        separators=(",", ":"),
    )
    .replace('"%(new)s"', "%(new)s")
    .encode()
)
ID_FIELDS = ((b"visitor", 22), (b"session", 22), (b"page_view", 22))
VALUE_FIELDS = ((b"visit_id", 16), (b"cart", 11), (b"user", 14))


class Visitors:
    """Page views as visitors make them: one in ``pages_per_session`` starts a new visitor and
    session; the others are further pages of one of the recent sessions (a new page-view id,
    new values), answered from the lease this process granted it."""

    def __init__(self, pages_per_session: int, recent: int = 2_000) -> None:
        self.pages_per_session = pages_per_session
        self.recent: deque[tuple[bytes, bytes]] = deque(maxlen=recent)
        self.sessions_started = 0
        self.turn = 0

    def body(self) -> bytes:
        letters = base64.urlsafe_b64encode(os.urandom(81))  # 108 characters
        fields: dict[bytes, bytes] = {}
        start = 0
        for name, length in ID_FIELDS + VALUE_FIELDS:
            fields[name] = letters[start : start + length]
            start += length
        self.turn += 1
        new = self.pages_per_session == 1 or self.turn % self.pages_per_session == 1
        if not new and self.recent:
            visitor, session = self.recent[int.from_bytes(letters[:2]) % len(self.recent)]
            fields[b"visitor"], fields[b"session"] = visitor, session
            fields[b"new"] = b"false"
        else:
            self.recent.append((fields[b"visitor"], fields[b"session"]))
            self.sessions_started += 1
            fields[b"new"] = b"true"
        return PAGE_VIEW_TEMPLATE % fields


def collector_name(open_leases: int) -> str:
    return f"{open_leases:,} leases"


class Run:
    """The load of one benchmark run against a started server, endpoint by endpoint."""

    def __init__(
        self,
        arguments: argparse.Namespace,
        port: int,
        keys: dict[str, str],
        meter: CpuMeter,
        backlog: journal.Backlog,
    ):
        self.arguments = arguments
        self.port = port
        self.backlog = backlog
        self.paths = {BARE: server.BARE_PATH, FLOOR: FLOOR_PATH}
        self.paths.update({name: f"/c/{key}/pageview" for name, key in keys.items()})
        self.collectors = list(keys)
        self.visitors = {name: Visitors(arguments.pages_per_session) for name in self.paths}
        self.meter = meter
        self.drain_seconds: dict[str, float] = dict.fromkeys(self.paths, 0.0)
        self.lag_figures: dict[str, Any] | None = None
        self.tallies: dict[str, list[Tally]] = {name: [] for name in self.paths}
        self.cpu: dict[str, Reading] = {name: Reading() for name in self.paths}
        self.answered: dict[str, int] = dict.fromkeys(self.paths, 0)
        self.acknowledged: dict[str, int] = dict.fromkeys(self.paths, 0)

    async def drive(self) -> None:
        endpoints = self.collectors if self.arguments.profile else [BARE, FLOOR, *self.collectors]
        for endpoint in endpoints:
            await self.slice(endpoint, seconds=0.0, warmup=WARMUP_SECONDS)
        seconds = self.arguments.duration / self.arguments.rounds
        for round_number in range(self.arguments.rounds):
            for endpoint in endpoints:
                tally = await self.slice(endpoint, seconds=seconds, warmup=0.0)
                say(
                    f"  round {round_number + 1}: {endpoint:<14} "
                    f"{tally.succeeded / seconds:>9,.0f} req/s"
                )
        # A deriver process apart keeps its lag histogram to itself: not measured then.
        lag_wanted = (
            self.arguments.lag_seconds > 0
            and not self.arguments.before_journal
            and self.arguments.deriver == "thread"
        )
        if not self.arguments.profile and lag_wanted:
            first = self.collectors[0]
            rate = report.summarise(self.tallies[first])["requests_per_second"] / 2
            say(f"  derivation lag at {rate:,.0f} page views/s (half the maximum) ...")
            self.lag_figures = await self.lag(first, rate)

    async def slice(self, endpoint: str, seconds: float, warmup: float) -> Tally:
        job = Job(self.paths[endpoint], self.visitors[endpoint].body, seconds, warmup)
        before = self.meter.read()
        tally = await run_job(self.port, job, self.arguments.connections)
        if endpoint in self.collectors and not self.arguments.before_journal:
            # The deriver's work is the page views' too: wait for it, and count its CPU.
            started = time.perf_counter()
            await asyncio.to_thread(self.backlog.wait)
            self.drain_seconds[endpoint] += time.perf_counter() - started
        self.cpu[endpoint] = self.cpu[endpoint] + (self.meter.read() - before)
        self.answered[endpoint] += tally.answered
        self.acknowledged[endpoint] += tally.acknowledged
        if seconds:
            self.tallies[endpoint].append(tally)
        return tally

    def figures(self, endpoint: str) -> dict[str, Any]:
        figures = report.summarise(self.tallies[endpoint])
        used = self.cpu[endpoint]
        figures["cpu"] = cores(used)
        answered = max(1, self.answered[endpoint])
        figures["server_cpu_us_per_request"] = used.server / answered * 1e6
        figures["server_event_loop_cpu_us_per_request"] = used.server_event_loop / answered * 1e6
        figures["database_cpu_us_per_request"] = max(0.0, used.database) / answered * 1e6
        figures["deriver_process_cpu_us_per_request"] = used.deriver / answered * 1e6
        figures["acknowledged_including_warmup"] = self.acknowledged[endpoint]
        figures["drain_seconds"] = self.drain_seconds[endpoint]
        return figures

    async def lag(self, endpoint: str, rate: float) -> dict[str, Any]:
        """Derivation lag at an offered ``rate`` of page views per second (docs/design.md §8:
        p99 ≤ 1 s at half the maximum acceptance rate), from the deriver's histogram."""
        connections = self.arguments.connections
        seconds = self.arguments.lag_seconds
        job = Job(self.paths[endpoint], self.visitors[endpoint].body, seconds, 0.0)
        job.pace = connections / max(rate, 1.0)
        before = await asyncio.to_thread(journal.lag_buckets, self.port)
        tally = await run_job(self.port, job, connections)
        await asyncio.to_thread(self.backlog.wait)
        after = await asyncio.to_thread(journal.lag_buckets, self.port)
        self.acknowledged[endpoint] += tally.acknowledged
        return journal.lag_figures(before, after, rate, tally.succeeded / seconds)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.parser_for(__doc__)
    cli.add_database_arguments(parser)
    parser.add_argument(
        "--duration", type=float, default=10.0, help="measured seconds per endpoint"
    )
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=2, help="alternating slices per endpoint")
    parser.add_argument(
        "--pool", type=int, default=50, help="pool numbers per project (0: no pool, no leasing)"
    )
    parser.add_argument(
        "--pages-per-session",
        type=int,
        default=4,
        help="page views per session: one in this many starts a new session (1: every one)",
    )
    parser.add_argument(
        "--before-journal",
        action="store_true",
        help="measuring a version before the journal (benchmarks/README.md, 'Measuring "
        "another version'): nothing to wait for, no lag to read",
    )
    parser.add_argument(
        "--deriver",
        choices=("thread", "process"),
        default="thread",
        help="the deriver as a thread of the server (as `dialtrail serve` runs it), or as "
        "`dialtrail deriver` in a process apart (DIALTRAIL_DERIVER=0; its CPU is counted, its "
        "lag is not measured)",
    )
    parser.add_argument(
        "--lag-seconds",
        type=float,
        default=5.0,
        help="seconds of load at half the maximum rate, for the derivation lag (0: skip)",
    )
    parser.add_argument(
        "--open-leases",
        type=lease_levels,
        default=[10, 10_000],
        help="open leases written before the run, one project per comma-separated level",
    )
    cli.add_profile_argument(parser, "the server (collector only, no ratio)")
    cli.add_server_arguments(parser)
    arguments = parser.parse_args(argv)
    if arguments.duration <= 0 or arguments.connections < 1 or arguments.rounds < 1:
        parser.error("--duration, --connections and --rounds must be positive")
    if arguments.pages_per_session < 1 or arguments.lag_seconds < 0:
        parser.error("--pages-per-session must be positive, --lag-seconds not negative")
    if arguments.pool < 0 or (arguments.pool == 0 and any(arguments.open_leases)):
        parser.error("--pool must be positive (0, without a pool, only with --open-leases 0)")
    return arguments


def lease_levels(value: str) -> list[int]:
    try:
        levels = sorted({int(part) for part in value.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not whole numbers: {value!r}") from None
    if levels[0] < 0:
        raise argparse.ArgumentTypeError("open leases cannot be negative")
    return levels


def server_command(arguments: argparse.Namespace, url: str, port: int) -> list[str]:
    return cli.server_command(__file__, arguments, url, port, profile_path(arguments))


def profile_path(arguments: argparse.Namespace) -> Path:
    return report.RESULTS / f"collector-{arguments.database}.prof"


def benchmark(arguments: argparse.Namespace) -> int:
    with scratch.database(arguments.database, arguments.postgres_url) as database:
        say(f"collector benchmark on {database.backend} (scratch: {database.name})")
        environment = report.environment()  # before the run: the tree may change meanwhile
        seeded = seed_projects(arguments, database.url)
        keys = {collector_name(level.open_leases): key for key, level in seeded}
        port = server.free_port()
        with (
            server.running(server_command(arguments, database.url, port), port) as process,
            deriver_process(arguments, database.url) as deriver_pid,
        ):
            marker = f" {database.name} " if database.backend == "postgresql" else None
            backlog = journal.Backlog(database.url)
            others = frozenset({backlog.backend_pid} if backlog.backend_pid else ())
            meter = CpuMeter(process.pid, marker, deriver_pid, others)
            run = Run(arguments, port, keys, meter, backlog)
            try:
                drive(run)
            finally:
                backlog.close()
        counts = scratch.count_rows(database.url)
        premises = [pool.premise(database.url, level) for _, level in seeded if level.pool]
        floor = None if arguments.profile else collector_floor.measure(database.url, marker)
    acknowledged = sum(run.acknowledged[name] for name in run.collectors)
    started = sum(run.visitors[name].sessions_started for name in run.collectors)
    check = lost_page_view_check(
        acknowledged, counts, sum(level.open_leases for _, level in seeded), started
    )
    say(describe_check(check))
    for premise in premises:
        say(describe_premise(premise))
    if arguments.profile:
        show_profile(arguments, run)
    else:
        assert floor is not None
        conclude(arguments, run, counts, check, environment, floor, premises)
    passed = check["passed"] and all(premise["passed"] for premise in premises)
    return 0 if passed else 1


@contextlib.contextmanager
def deriver_process(arguments: argparse.Namespace, url: str) -> Iterator[int | None]:
    """``dialtrail deriver`` on the scratch database, with ``--deriver process``."""
    if arguments.deriver != "process":
        yield None
        return
    command = [
        sys.executable,
        "-c",
        "import sys; from dialtrail.cli import main; sys.exit(main(['deriver']))",
    ]
    environment = {**os.environ, "DIALTRAIL_DATABASE_URL": url, "DIALTRAIL_LOG_LEVEL": "warning"}
    process = subprocess.Popen(command, env=environment)  # noqa: S603 (our own interpreter)
    try:
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def seed_projects(arguments: argparse.Namespace, url: str) -> list[tuple[str, pool.Seeded]]:
    """One project per level of open leases, with its pool and its steady state's leases."""
    prepared = scratch.prepare_projects(url, len(arguments.open_leases))
    seeded = []
    for project, level in zip(prepared, arguments.open_leases, strict=True):
        if arguments.pool:
            say(f"  seeding {arguments.pool} pool numbers and {level:,} open leases")
            # Sessions with several page views keep their lease, as on a real site.
            hold = 0 if arguments.pages_per_session == 1 else int(pool.HOLD.total_seconds())
            leases = pool.seed(url, project.project_id, arguments.pool, level, hold)
        else:
            leases = pool.Seeded(project.project_id, 0, 0, datetime.now(UTC))
        seeded.append((project.public_key, leases))
    return seeded


def drive(run: Run) -> None:
    loop = new_event_loop()
    try:
        task = loop.create_task(run.drive())
        # An exception raised in a protocol callback would only close that connection.
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        loop.run_until_complete(task)
    except asyncio.CancelledError:
        raise SystemExit(128 + signal.SIGTERM) from None
    finally:
        loop.close()
        signal.signal(signal.SIGTERM, cli.stop_on_sigterm)


def conclude(
    arguments: argparse.Namespace,
    run: Run,
    counts: dict[str, int],
    check: dict[str, Any],
    environment: dict[str, Any],
    floor: collector_floor.Floor,
    premises: list[dict[str, Any]],
) -> None:
    bare = run.figures(BARE)
    floor_endpoint = run.figures(FLOOR)
    levels = [
        level_figures(bare, run.figures(name), open_leases)
        for name, open_leases in zip(run.collectors, arguments.open_leases, strict=True)
    ]
    fewest, most = levels[0], levels[-1]
    result = {
        "benchmark": "collector",
        "database": arguments.database,
        "connections": arguments.connections,
        "measured_seconds_per_endpoint": arguments.duration,
        "rounds": arguments.rounds,
        "warmup_seconds": WARMUP_SECONDS,
        "pool": arguments.pool,
        "pages_per_session": arguments.pages_per_session,
        "bare": bare,
        "deriver": arguments.deriver,
        "floor_endpoint": floor_endpoint,
        "floor_endpoint_ratio": floor_endpoint["requests_per_second"]
        / max(bare["requests_per_second"], 1e-9),
        "derivation_lag": run.lag_figures,
        "cpu_goal_us": CPU_GOAL_US[arguments.database],
        # The fewest open leases: the figures docs/design.md §8's goal is read from.
        "collector": fewest["collector"],
        "ratio": fewest["ratio"],
        "cpu_cost_ratio": fewest["cpu_cost_ratio"],
        "ratio_per_round": fewest["ratio_per_round"],
        "goal": GOAL,
        "levels": levels,
        "lease_cost_ratio": cpu_per_page_view(most) / max(cpu_per_page_view(fewest), 1e-9),
        "lease_cost_goal": LEASE_COST_GOAL,
        "premises": premises,
        "database_floor": floor_figures(bare, floor),
        "rows": counts,
        "check": check,
        "environment": environment,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    path = report.write_json(f"collector-{arguments.database}.json", result)
    say(describe(result, path))


def level_figures(
    bare: dict[str, Any], collector: dict[str, Any], open_leases: int
) -> dict[str, Any]:
    return {
        "open_leases": open_leases,
        "collector": collector,
        "ratio": collector["requests_per_second"] / max(bare["requests_per_second"], 1e-9),
        "cpu_cost_ratio": cpu_cost_ratio(bare, collector),
        "ratio_per_round": [
            c / max(b, 1e-9)
            for b, c in zip(
                bare["per_slice_requests_per_second"],
                collector["per_slice_requests_per_second"],
                strict=True,
            )
        ],
    }


def cpu_per_page_view(level: dict[str, Any]) -> float:
    """Server CPU plus PostgreSQL backends' CPU per collector request."""
    collector = level["collector"]
    return float(
        collector["server_cpu_us_per_request"]
        + collector["database_cpu_us_per_request"]
        + collector["deriver_process_cpu_us_per_request"]
    )


def lost_page_view_check(
    acknowledged: int, counts: dict[str, int], seeded: int, started: int
) -> dict[str, Any]:
    page_views = counts["page_views"]
    entities = len(scratch.ENTITY_NAMES)  # per project
    return {
        "acknowledged": acknowledged,
        "page_views": page_views,
        "passed": page_views == acknowledged,
        # Each session the generator started, with one observation per entity and page view;
        # the seeded leases' sessions have no page view.
        "sessions_match": counts["sessions"] == started + seeded,
        "observations_match": counts["entity_observations"] == page_views * entities,
    }


def counted_text(counted: int | None) -> str:
    return "-" if counted is None else f"{counted:,}"  # "-": a version without the counts


def describe_premise(premise: dict[str, Any]) -> str:
    outcome = "OK" if premise["passed"] else "FAILED"
    kind = "exhausted" if premise["seeded"] >= premise["pool"] else "sized for the load"
    return (
        f"premise, pool of {premise['pool']} ({kind}): {premise['seeded']:,} leases seeded, "
        f"{premise['seeded_still_open']:,} still open after the run; numbers count "
        f"{counted_text(premise['counted_by_numbers'])} open leases of "
        f"{premise['open_leases']:,}; the "
        f"run's leases {premise['run_leases_exclusive']:,} exclusive, "
        f"{premise['run_leases_shared']:,} shared -> {outcome}"
    )


def describe(result: dict[str, Any], path: Path) -> str:
    bare = result["bare"]
    floor_endpoint = result["floor_endpoint"]
    rows = [(BARE, bare, bare["cpu"]), (FLOOR, floor_endpoint, floor_endpoint["cpu"])]
    rows += [
        (collector_name(level["open_leases"]), level["collector"], level["collector"]["cpu"])
        for level in result["levels"]
    ]
    lines = [
        "",
        f"{result['database']}, {result['connections']} connections, "
        f"{result['measured_seconds_per_endpoint']:g} s per endpoint in "
        f"{result['rounds']} rounds, pool of {result['pool']} numbers per project, deriver "
        f"{'in a process apart' if result['deriver'] == 'process' else 'a thread of the server'}",
        report.table(rows),
        floor_endpoint_line(result),
    ]
    for level in result["levels"]:
        lines += level_lines(result["database"], bare, level)
    lines += [cpu_goal_line(result), lag_line(result["derivation_lag"])]
    lines += [lease_cost_line(result), floor_line(result["database_floor"]), f"written to {path}"]
    return "\n".join(lines)


def level_lines(database: str, bare: dict[str, Any], level: dict[str, Any]) -> list[str]:
    rounds = ", ".join(f"{ratio:.3f}" for ratio in level["ratio_per_round"])
    verdict = "meets" if level["ratio"] >= GOAL else "BELOW"
    return [
        f"{collector_name(level['open_leases'])}: " + cpu_line(database, bare, level["collector"]),
        f"  ratio collector/bare: {level['ratio']:.3f} ({verdict} the goal of {GOAL}); "
        f"per round: {rounds}; CPU cost ratio {level['cpu_cost_ratio']:.3f}",
    ]


def floor_endpoint_line(result: dict[str, Any]) -> str:
    floor_endpoint, bare = result["floor_endpoint"], result["bare"]
    return (
        f"floor endpoint (bare + JSON parse + one journal row + group commit, raw driver): "
        f"ratio {result['floor_endpoint_ratio']:.3f}; server CPU per request "
        f"{floor_endpoint['server_cpu_us_per_request']:,.0f} µs (event loop "
        f"{floor_endpoint['server_event_loop_cpu_us_per_request']:,.0f}), bare "
        f"{bare['server_cpu_us_per_request']:,.0f} µs; PostgreSQL backends "
        f"{floor_endpoint['database_cpu_us_per_request']:,.0f} µs"
    )


def cpu_goal_line(result: dict[str, Any]) -> str:
    spent = cpu_per_page_view(result["levels"][0])
    goal = result["cpu_goal_us"]
    verdict = "meets" if spent <= goal else "ABOVE"
    return (
        f"total CPU per page view (server with its deriver, plus PostgreSQL backends), "
        f"{result['pages_per_session']} page views per session: {spent:,.0f} µs ({verdict} the "
        f"goal of {goal:,.0f} µs, half of the figure before the journal)"
    )


def lag_line(lag: dict[str, Any] | None) -> str:
    if lag is None:
        return "derivation lag: not measured"
    verdict = "meets" if lag["p99_at_most_seconds"] <= LAG_GOAL_SECONDS else "ABOVE"
    return (
        f"derivation lag at {lag['achieved_per_second']:,.0f} page views/s (offered "
        f"{lag['offered_per_second']:,.0f}, half the maximum): p50 ≤ "
        f"{lag['p50_at_most_seconds']:g} s, p99 ≤ {lag['p99_at_most_seconds']:g} s over "
        f"{lag['rows_derived']:,} rows ({verdict} the goal of {LAG_GOAL_SECONDS:g} s)"
    )


def lease_cost_line(result: dict[str, Any]) -> str:
    fewest, most = result["levels"][0], result["levels"][-1]
    verdict = "meets" if result["lease_cost_ratio"] <= LEASE_COST_GOAL else "ABOVE"
    return (
        f"CPU per page view with {most['open_leases']:,} open leases / with "
        f"{fewest['open_leases']:,}: {cpu_per_page_view(most):,.0f} / "
        f"{cpu_per_page_view(fewest):,.0f} µs = {result['lease_cost_ratio']:.3f} "
        f"({verdict} the goal of {LEASE_COST_GOAL})"
    )


def floor_figures(bare: dict[str, Any], floor: collector_floor.Floor) -> dict[str, Any]:
    """The database's own CPU per page view, and the best CPU cost ratio a collector could have
    if it added nothing to the bare endpoint but these statements."""
    bare_cpu = bare["server_cpu_us_per_request"]
    return {
        "page_views": floor.page_views,
        "cpu_us_per_page_view": floor.cpu_us_per_page_view,
        "database_cpu_us_per_page_view": floor.database_cpu_us_per_page_view,
        "best_cpu_cost_ratio": bare_cpu / max(bare_cpu + floor.cpu_us_per_page_view, 1e-9),
    }


def floor_line(floor: dict[str, Any]) -> str:
    return (
        f"database floor: {floor['cpu_us_per_page_view']:,.0f} µs CPU per page view for its "
        f"nine rows and its share of a commit, nothing else ({floor['page_views']:,} page "
        f"views); bare endpoint + floor alone would give a CPU cost ratio of "
        f"{floor['best_cpu_cost_ratio']:.3f}"
    )


def cpu_cost_ratio(bare: dict[str, Any], collector: dict[str, Any]) -> float:
    """Bare CPU per request over collector CPU per request (server plus PostgreSQL backends):
    what the ratio would be if both endpoints were limited by CPU alone. Steadier than the
    throughput ratio on a busy machine, but blind to waits (fsync, round trips)."""
    spent = (
        collector["server_cpu_us_per_request"]
        + collector["database_cpu_us_per_request"]
        + collector["deriver_process_cpu_us_per_request"]
    )
    return float(bare["server_cpu_us_per_request"] / max(spent, 1e-9))


def cpu_line(database: str, bare: dict[str, Any], collector: dict[str, Any]) -> str:
    total = collector["server_cpu_us_per_request"]
    event_loop = collector["server_event_loop_cpu_us_per_request"]
    line = (
        f"server CPU per request: bare {bare['server_cpu_us_per_request']:,.0f} µs; collector "
        f"{total:,.0f} µs = event loop thread {event_loop:,.0f} + other threads "
        f"{total - event_loop:,.0f}"
    )
    if database == "postgresql":
        line += f"; PostgreSQL backends {collector['database_cpu_us_per_request']:,.0f} µs"
    if collector["deriver_process_cpu_us_per_request"]:
        line += f"; deriver process {collector['deriver_process_cpu_us_per_request']:,.0f} µs"
    return line


def describe_check(check: dict[str, Any]) -> str:
    outcome = "OK" if check["passed"] else "FAILED: acknowledged page views are missing"
    if check["page_views"] > check["acknowledged"]:
        outcome = "FAILED: more page views than 2xx answers (lost connections?)"
    return (
        f"lost page view check: {check['page_views']:,} page views in the database, "
        f"{check['acknowledged']:,} acknowledged (2xx) -> {outcome}; sessions "
        f"{'match' if check['sessions_match'] else 'DIFFER'}, observations "
        f"{'match' if check['observations_match'] else 'DIFFER'}"
    )


def show_profile(arguments: argparse.Namespace, run: Run) -> None:
    from harness.profiling import summary

    path = profile_path(arguments)
    if arguments.profile == "sample":
        path = server.samples_path(path)
        if path.exists():
            say(path.read_text())
        return
    if not path.exists():
        say(f"no profile was written to {path}")
        return
    collector = run.figures(run.collectors[-1])
    say(
        f"\nprofiled ({arguments.profile} clock): {collector['requests_per_second']:,.0f} "
        f"page views/s under the profiler, {collector['cpu']['server_cores']:.2f} server cores"
    )
    say(summary(path, sum(run.answered[name] for name in run.collectors)))
    say(f"full profile: {path} (python -m pstats {path})")


def main(argv: list[str] | None = None) -> int:
    return cli.serve_or_run(parse_arguments(argv), benchmark)


if __name__ == "__main__":
    sys.exit(main())
