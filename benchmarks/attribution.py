"""Attribution accuracy (docs/design.md §4): synthetic traffic through the real collector, leasing
and call ingest, on an injected clock, for pool sizes from half to twice the recommended size
and hold times of 2, 5 and 15 minutes; every call's attribution classified against the session
that really made it. Goals: at the recommended size ≥ 99 % of calls attributed to their true
session; no silent misattribution at any size.

    .venv/bin/python benchmarks/attribution.py [--database sqlite|postgresql] [--hours 36]
        [--seed 7] [--holds 120,300,900] [--factors 0.5,0.75,1,1.5,2] [--caller-share 0.2]
        [--late 1800] [--chart docs/images/attribution-accuracy.svg]

Per hold time, a first run with a pool far larger than the traffic needs (``--calibration``
numbers, never exhausted) observes the peak of concurrently leased sessions as the product
does (numbers/usage.py), and its recommendation is the size the sweep scales. Every run
replays the same traffic (one seed) on a fresh project of the same scratch database. The
traffic (tests/support/traffic.py) and the classification (tests/support/simulation.py) are
described in docs/numbers.md. Results: a table on stdout, the chart (SVG, written by this
script), and benchmarks/results/attribution-<backend>.json.

Calls do not change leases (only their intent-to-call pings do), so ``--caller-share`` sets
how many calls sample the attribution; it is higher than a real site's to measure 1 % steps.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import cli, report, scratch
from harness.accuracy_chart import Bar, Panel, svg
from harness.report import say
from tests.support.simulation import CORRECT, OUTCOMES, PoolRules, Result, Simulation
from tests.support.traffic import TrafficShape

from dialtrail.storage import migrate
from dialtrail.storage.engine import create_session_factory

CHART = Path(__file__).resolve().parent.parent / "docs" / "images" / "attribution-accuracy.svg"
# SQLite's scratch file in memory where there is one: no fsync to wait for.
SHM = "/dev/shm"  # noqa: S108 (a folder, not a file name anyone could guess into)


def main() -> int:
    parser = cli.parser_for(__doc__)
    cli.add_database_arguments(parser)
    parser.add_argument("--hours", type=float, default=36.0, help="simulated hours per run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--holds", default="120,300,900", help="hold times, seconds")
    parser.add_argument("--factors", default="0.5,0.75,1,1.5,2", help="x recommended size")
    parser.add_argument("--caller-share", type=float, default=0.2)
    parser.add_argument("--late", type=int, default=1800, help="late_call_seconds")
    parser.add_argument("--calibration", type=int, default=400, help="numbers, never exhausted")
    parser.add_argument("--chart", type=Path, default=CHART)
    return cli.run_cleaning_up(parser.parse_args(), benchmark)


def benchmark(arguments: argparse.Namespace) -> int:
    shape = TrafficShape(hours=arguments.hours, caller_share=arguments.caller_share)
    holds = [int(hold) for hold in arguments.holds.split(",")]
    factors = [float(factor) for factor in arguments.factors.split(",")]
    folder = SHM if Path(SHM).is_dir() else None
    with scratch.database(arguments.database, arguments.postgres_url, folder) as database:
        engine = scratch.engine_for(database.url)
        try:
            migrate.upgrade(engine)
            sessions = create_session_factory(engine)
            sweeps = [sweep(sessions, shape, arguments, hold, factors) for hold in holds]
        finally:
            engine.dispose()
    say(table(sweeps))
    say(goals(sweeps))
    arguments.chart.write_text(
        svg([panel(hold_sweep) for hold_sweep in sweeps], chart_title(shape))
    )
    path = report.write_json(
        f"attribution-{arguments.database}.json", summary(arguments, shape, sweeps)
    )
    say(f"chart: {arguments.chart}\nresults: {path}")
    return 0


@dataclasses.dataclass
class Sweep:
    hold: int
    recommended: int
    calibration: Result
    runs: list[tuple[float, Result]]  # (factor, result)


def sweep(
    sessions: Any,
    shape: TrafficShape,
    arguments: argparse.Namespace,
    hold: int,
    factors: list[float],
) -> Sweep:
    calibration = simulate(
        sessions, shape, arguments, PoolRules(arguments.calibration, hold, arguments.late)
    )
    recommended = calibration.recommended_pool_size or 1
    runs = []
    for factor in factors:
        size = max(1, round(factor * recommended))
        runs.append(
            (factor, simulate(sessions, shape, arguments, PoolRules(size, hold, arguments.late)))
        )
    return Sweep(hold, recommended, calibration, runs)


def simulate(
    sessions: Any, shape: TrafficShape, arguments: argparse.Namespace, rules: PoolRules
) -> Result:
    began = time.perf_counter()
    result = Simulation(sessions, rules).run(shape, arguments.seed)
    say(
        f"hold {rules.hold_seconds:>4} s, {rules.pool_size:>3} numbers: {len(result.calls)} calls, "
        f"{result.correct:.1%} correct, {result.silent} silent, "
        f"{result.exhaustions} exhaustions ({time.perf_counter() - began:.0f} s)"
    )
    return result


def table(sweeps: list[Sweep]) -> str:
    header = (
        f"{'hold':>5} {'size':>9} {'calls':>6} {'correct':>8} "
        + " ".join(f"{short(outcome):>8}" for outcome in OUTCOMES)
        + f" {'exhaust':>8}"
    )
    lines = [header, "-" * len(header)]
    for hold_sweep in sweeps:
        for factor, result in hold_sweep.runs:
            shares = [result.share(outcome) for outcome in OUTCOMES]
            lines.append(
                f"{hold_sweep.hold // 60:>3}min {factor:>4}x{result.rules.pool_size:>3} "
                f"{len(result.calls):>6} {result.correct:>8.1%} "
                + " ".join(f"{share:>8.1%}" for share in shares)
                + f" {result.exhaustions:>8}"
            )
    lines.append(
        "(size: factor x the recommended size = numbers; correct = session + late; "
        "amb+/amb-: ambiguous with/without the true session; silent: misattributed unflagged)"
    )
    return "\n".join(lines)


def short(outcome: str) -> str:
    return {
        "ambiguous_true": "amb+",
        "ambiguous_other": "amb-",
        "silent_session": "silent-s",
        "silent_late": "silent-l",
    }.get(outcome, outcome)


def goals(sweeps: list[Sweep]) -> str:
    lines = []
    for hold_sweep in sweeps:
        at_recommended = dict(hold_sweep.runs).get(1.0)
        silent = sum(result.silent for _, result in hold_sweep.runs)
        correct = f"{at_recommended.correct:.1%}" if at_recommended else "not run"
        lines.append(
            f"hold {hold_sweep.hold // 60} min: recommended {hold_sweep.recommended} numbers "
            f"(peak {hold_sweep.calibration.peak_sessions}); correct at it {correct} "
            f"(goal ≥ 99 %); silent misattributions over the sweep {silent} (goal 0)"
        )
    return "\n".join(lines)


def panel(hold_sweep: Sweep) -> Panel:
    bars = [
        Bar(f"{factor:g}x", result.rules.pool_size, {o: result.share(o) for o in OUTCOMES})
        for factor, result in hold_sweep.runs
    ]
    title = f"hold {hold_sweep.hold // 60} min (recommended {hold_sweep.recommended})"
    return Panel(title, bars)


def chart_title(shape: TrafficShape) -> str:
    return (
        f"Attribution of simulated calls by pool size ({shape.hours:g} h of traffic, "
        f"{shape.visitors_per_hour:g} visitors/h on average)"
    )


def summary(
    arguments: argparse.Namespace, shape: TrafficShape, sweeps: list[Sweep]
) -> dict[str, Any]:
    return {
        "arguments": {key: str(value) for key, value in vars(arguments).items()},
        "shape": dataclasses.asdict(shape),
        "environment": report.environment(),
        "sweeps": [
            {
                "hold_seconds": hold_sweep.hold,
                "recommended": hold_sweep.recommended,
                "peak_sessions": hold_sweep.calibration.peak_sessions,
                "runs": [
                    {
                        "factor": factor,
                        "pool_size": result.rules.pool_size,
                        "calls": len(result.calls),
                        "correct": result.share(*CORRECT),
                        "outcomes": dict(result.counts()),
                        "exhaustions": result.exhaustions,
                        "requests": result.requests,
                    }
                    for factor, result in [(0.0, hold_sweep.calibration), *hold_sweep.runs]
                ],
            }
            for hold_sweep in sweeps
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
