"""Summaries of load slices, the human-readable table and the JSON result file."""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.load import Tally

RESULTS = Path(__file__).resolve().parent.parent / "results"
REPOSITORY = Path(__file__).resolve().parents[2]


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(tallies: list[Tally]) -> dict[str, Any]:
    """One endpoint's figures over all its measured slices."""
    seconds = sum(tally.measured_seconds for tally in tallies)
    latencies = sorted(latency for tally in tallies for latency in tally.latencies)
    succeeded = sum(tally.succeeded for tally in tallies)
    statuses: dict[str, int] = {}
    for tally in tallies:
        for status, count in tally.statuses.items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    return {
        "requests_per_second": succeeded / seconds if seconds else 0.0,
        "succeeded": succeeded,
        "failed": sum(tally.failed for tally in tallies),
        "lost_connections": sum(tally.lost_connections for tally in tallies),
        "statuses": statuses,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] if latencies else 0.0) * 1000,
        "measured_seconds": seconds,
        "per_slice_requests_per_second": [
            tally.succeeded / tally.measured_seconds for tally in tallies
        ],
    }


def environment() -> dict[str, Any]:
    import dialtrail

    source = Path(dialtrail.__file__).resolve().parent
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": _cpu_count(),
        "dialtrail_source": str(source),
        # Runs of the very same code share this digest, whatever git says.
        "dialtrail_source_sha256": source_digest(source),
        "git_commit": _git("rev-parse", "HEAD"),
        # Other people edit the tree while benchmarks run: say whether src/ had local changes.
        "git_src_changes": _git("--no-optional-locks", "status", "--porcelain", "--", "src"),
        "uvloop": _importable("uvloop"),
        "httptools": _importable("httptools"),
    }


def source_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0))


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _git(*arguments: str) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 (fixed read-only git commands)
            ["git", *arguments],  # noqa: S607 (git from PATH, as a developer runs it)
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def write_json(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return path


def table(rows: list[tuple[str, dict[str, Any], dict[str, float]]]) -> str:
    """One line per endpoint: throughput, latency, errors, and CPU used in cores."""
    header = (
        f"{'endpoint':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
        f"{'server':>7} {'db':>6} {'client':>7} {'machine':>8}"
    )
    lines = [header, "-" * len(header)]
    for name, figures, cpu in rows:
        lines.append(
            f"{name:<10} {figures['requests_per_second']:>9,.0f} {figures['p50_ms']:>8.1f} "
            f"{figures['p99_ms']:>8.1f} {figures['failed'] + figures['lost_connections']:>8} "
            f"{cpu['server_cores']:>7.2f} {cpu['database_cores']:>6.2f} "
            f"{cpu['client_cores']:>7.2f} {cpu['machine_busy']:>7.0%}"
        )
    lines.append("(server/db/client: CPU cores used on average; machine: share of all cores busy)")
    return "\n".join(lines)


def say(text: str) -> None:
    print(text, flush=True)
    sys.stdout.flush()
