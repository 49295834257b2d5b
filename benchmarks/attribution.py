"""Attribution accuracy (docs/design.md §4): synthetic traffic through the real collector, leasing
and call ingest, on an injected clock, for pool sizes from half to twice the recommended size
and hold times of 2, 5 and 15 minutes; every call's attribution classified against the session
that really made it. Goals: at the recommended size ≥ 99 % of calls attributed to their true
session; no silent misattribution at any size.

    .venv/bin/python benchmarks/attribution.py [--database sqlite|postgresql] [--hours 24]
        [--seed 7] [--holds 120,300,900] [--factors 0.5,0.75,1,1.5,2] [--caller-share 0.3]
        [--late 1800] [--chart docs/images/attribution-accuracy.svg] [--redraw]

Per hold time, a first run with a pool far larger than the traffic needs (``--calibration``
numbers, never exhausted) observes the peak of concurrently leased sessions as the product
does (numbers/usage.py), and its recommendation is the size the sweep scales. Every run
replays the same traffic (one seed) on a fresh project of the same scratch database. The
traffic (tests/support/traffic.py) and the classification (tests/support/simulation.py) are
described in docs/numbers.md. Results: a table on stdout, the chart (SVG, written by this
script), and benchmarks/results/attribution-<backend>.json; ``--redraw`` prints the table and
draws the chart again from that file, without simulating.

Calls do not change leases (only their intent-to-call pings do), so ``--caller-share`` sets
how many calls sample the attribution; it is higher than a real site's to measure 1 % steps.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import cli, report, scratch
from harness.accuracy_chart import Bar, Panel, svg
from harness.report import say
from tests.support.simulation import OUTCOMES, PoolRules, Result, Simulation
from tests.support.traffic import TrafficShape

from dialtrail.storage import migrate
from dialtrail.storage.engine import create_session_factory

CHART = Path(__file__).resolve().parent.parent / "docs" / "images" / "attribution-accuracy.svg"
# SQLite's scratch file in memory where there is one: no fsync to wait for.
SHM = "/dev/shm"  # noqa: S108 (a folder, not a file name anyone could guess into)


def main() -> int:
    parser = cli.parser_for(__doc__)
    cli.add_database_arguments(parser)
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours per run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--holds", default="120,300,900", help="hold times, seconds")
    parser.add_argument("--factors", default="0.5,0.75,1,1.5,2", help="x recommended size")
    parser.add_argument("--caller-share", type=float, default=0.3)
    parser.add_argument("--late", type=int, default=1800, help="late_call_seconds")
    parser.add_argument("--calibration", type=int, default=400, help="numbers, never exhausted")
    parser.add_argument("--chart", type=Path, default=CHART)
    parser.add_argument(
        "--redraw", action="store_true", help="table and chart from the last results file"
    )
    return cli.run_cleaning_up(parser.parse_args(), benchmark)


def benchmark(arguments: argparse.Namespace) -> int:
    if arguments.redraw:
        result = json.loads(report.RESULTS.joinpath(result_name(arguments)).read_text())
    else:
        result = measure(arguments)
        report.write_json(result_name(arguments), result)
    say(table(result))
    say(goals(result))
    arguments.chart.write_text(svg(panels(result), chart_title(result["shape"])))
    say(f"chart: {arguments.chart}\nresults: {report.RESULTS / result_name(arguments)}")
    return 0


def result_name(arguments: argparse.Namespace) -> str:
    return f"attribution-{arguments.database}.json"


def measure(arguments: argparse.Namespace) -> dict[str, Any]:
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
    return {
        "arguments": {key: str(value) for key, value in vars(arguments).items()},
        "shape": dataclasses.asdict(shape),
        "environment": report.environment(),
        "sweeps": sweeps,
    }


def sweep(
    sessions: Any,
    shape: TrafficShape,
    arguments: argparse.Namespace,
    hold: int,
    factors: list[float],
) -> dict[str, Any]:
    """A calibration run (a pool too large to run out) observes the recommendation; then one
    run per factor of it."""
    rules = PoolRules(arguments.calibration, hold, arguments.late)
    calibration = simulate(sessions, shape, arguments, rules)
    recommended = calibration.recommended_pool_size or 1
    runs = []
    for factor in factors:
        rules = PoolRules(max(1, round(factor * recommended)), hold, arguments.late)
        runs.append(figures(factor, simulate(sessions, shape, arguments, rules)))
    return {
        "hold_seconds": hold,
        "recommended": recommended,
        "peak_sessions": calibration.peak_sessions,
        "calibration": figures(0.0, calibration),
        "runs": runs,
    }


def simulate(
    sessions: Any, shape: TrafficShape, arguments: argparse.Namespace, rules: PoolRules
) -> Result:
    began = time.perf_counter()
    result = Simulation(sessions, rules).run(shape, arguments.seed)
    say(
        f"hold {rules.hold_seconds:>4} s, {rules.pool_size:>3} numbers: {len(result.calls)} calls, "
        f"{result.correct:.1%} correct ({result.first_calls_correct:.1%} of first calls), "
        f"{result.silent} silent, "
        f"{result.exhaustions} exhaustions ({time.perf_counter() - began:.0f} s)"
    )
    return result


def figures(factor: float, result: Result) -> dict[str, Any]:
    return {
        "factor": factor,
        "pool_size": result.rules.pool_size,
        "calls": len(result.calls),
        "correct": result.correct,
        "first_calls_correct": result.first_calls_correct,
        "shares": {outcome: result.share(outcome) for outcome in OUTCOMES},
        "outcomes": dict(result.counts()),
        "silent": result.silent,
        "exhaustions": result.exhaustions,
        "requests": result.requests,
    }


def table(result: dict[str, Any]) -> str:
    header = (
        f"{'hold':>5} {'size':>10} {'calls':>6} {'correct':>8} {'1st':>6} "
        + " ".join(f"{short(outcome):>8}" for outcome in OUTCOMES)
        + f" {'exhaust':>8}"
    )
    lines = [header, "-" * len(header)]
    for hold_sweep in result["sweeps"]:
        for run in hold_sweep["runs"]:
            lines.append(
                f"{hold_sweep['hold_seconds'] // 60:>3}min "
                f"{run['factor']:>5}x{run['pool_size']:>4} {run['calls']:>6} "
                f"{run['correct']:>8.1%} {run['first_calls_correct']:>6.1%} "
                + " ".join(f"{run['shares'][outcome]:>8.1%}" for outcome in OUTCOMES)
                + f" {run['exhaustions']:>8}"
            )
    lines.append(
        "(size: factor x the recommended size, numbers; correct = session + late, of all "
        "calls; 1st: of first calls (repeat calls from the log left out); amb+/amb-: "
        "ambiguous with/without the true session among the candidates; silent-s/silent-l: "
        "session/late naming the wrong session)"
    )
    return "\n".join(lines)


def short(outcome: str) -> str:
    return {
        "ambiguous_true": "amb+",
        "ambiguous_other": "amb-",
        "silent_session": "silent-s",
        "silent_late": "silent-l",
    }.get(outcome, outcome)


def goals(result: dict[str, Any]) -> str:
    lines = []
    for hold_sweep in result["sweeps"]:
        at_one = [run for run in hold_sweep["runs"] if run["factor"] == 1.0]
        silent = sum(run["silent"] for run in hold_sweep["runs"])
        correct = (
            f"{at_one[0]['correct']:.1%} ({at_one[0]['first_calls_correct']:.1%} of first calls)"
            if at_one
            else "not run"
        )
        lines.append(
            f"hold {hold_sweep['hold_seconds'] // 60} min: recommended "
            f"{hold_sweep['recommended']} numbers (peak {hold_sweep['peak_sessions']}); "
            f"correct at it {correct} (goal >= 99 %); silent misattributions over the sweep "
            f"{silent} (goal 0)"
        )
    return "\n".join(lines)


def panels(result: dict[str, Any]) -> list[Panel]:
    return [panel(hold_sweep) for hold_sweep in result["sweeps"]]


def panel(hold_sweep: dict[str, Any]) -> Panel:
    minutes, recommended = hold_sweep["hold_seconds"] // 60, hold_sweep["recommended"]
    bars = [
        Bar(f"{run['factor']:g}x", run["pool_size"], run["shares"]) for run in hold_sweep["runs"]
    ]
    return Panel(f"hold {minutes} min (recommended {recommended})", bars)


def chart_title(shape: dict[str, Any]) -> str:
    return (
        f"Attribution of simulated calls by pool size ({shape['hours']:g} h of traffic, "
        f"{shape['visitors_per_hour']:g} visitors an hour on average)"
    )


if __name__ == "__main__":
    sys.exit(main())
