"""The collector's journal as a benchmark sees it: its backlog, read from the database and
waited on until every accepted event is derived, and the deriver's lag histogram, from the
server's ``/metrics``."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

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


class Backlog:
    """The journal's backlog read from the database by the benchmark itself, not from the
    server's ``/metrics``: answering a poll every 50 ms costs the server's event loop far more
    than a page view (FastAPI's routing, the metrics' queries), and the CPU meter runs while the
    benchmark waits, so polling through the server charged the collector for it."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, poolclass=NullPool)
        self.connection = self.engine.connect()
        self.backend_pid: int | None = None  # of this connection, on PostgreSQL
        if self.connection.dialect.name == "postgresql":
            self.backend_pid = self.connection.execute(text("SELECT pg_backend_pid()")).scalar()
            self.connection.commit()

    def pending(self) -> int:
        found = self.connection.execute(text(PENDING)).scalar() or 0
        self.connection.commit()  # a fresh snapshot next time
        return int(found)

    def wait(self) -> None:
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while self.pending():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the backlog did not drain within {DRAIN_TIMEOUT:g} s")
            time.sleep(0.05)

    def close(self) -> None:
        self.connection.close()
        self.engine.dispose()


PENDING = """
SELECT COALESCE((SELECT MAX(id) FROM collector_journal), 0)
     - COALESCE((SELECT derived_through FROM collector_deriver WHERE id = 1), 0)
"""


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
