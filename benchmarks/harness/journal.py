"""The collector's journal as a benchmark sees it, from the server's ``/metrics``: its backlog
(waited on until every accepted event is derived) and the deriver's lag histogram."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

BACKLOG = "dialtrail_journal_backlog "
LAG_BUCKET = 'dialtrail_journal_derivation_lag_seconds_bucket{le="'
DRAIN_TIMEOUT = 300.0


def metrics(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as answer:
        text: str = answer.read().decode()
        return text


def backlog(port: int) -> int:
    for line in metrics(port).splitlines():
        if line.startswith(BACKLOG):
            return int(float(line[len(BACKLOG) :]))
    raise RuntimeError("the server's /metrics has no dialtrail_journal_backlog")


def wait_until_derived(port: int) -> None:
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while backlog(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the journal's backlog did not drain within {DRAIN_TIMEOUT:g} s")
        time.sleep(0.05)


def lag_buckets(port: int) -> dict[float, int]:
    """Cumulative counts of the lag histogram by upper bound (inf included)."""
    buckets = {}
    for line in metrics(port).splitlines():
        if line.startswith(LAG_BUCKET):
            bound, _, count = line[len(LAG_BUCKET) :].partition('"} ')
            buckets[float(bound)] = int(float(count))
    if not buckets:
        raise RuntimeError("the server's /metrics has no derivation lag histogram")
    return buckets


def quantile(counts: dict[float, int], share: float) -> float:
    """The upper bound of the bucket holding the ``share`` quantile (cumulative counts)."""
    total = counts[float("inf")]
    for bound in sorted(counts):
        if counts[bound] >= share * total:
            return bound
    return float("inf")


def lag_figures(
    before: dict[float, int], after: dict[float, int], offered: float, achieved: float
) -> dict[str, Any]:
    counts = {bound: after[bound] - before.get(bound, 0) for bound in after}
    derived = counts[float("inf")]
    if not derived:
        raise RuntimeError("no row was derived during the lag measurement")
    return {
        "offered_per_second": offered,
        "achieved_per_second": achieved,
        "rows_derived": derived,
        "p50_at_most_seconds": quantile(counts, 0.5),
        "p99_at_most_seconds": quantile(counts, 0.99),
    }
