"""The journal's metrics for ``GET /metrics`` (Prometheus): its backlog and the age of its
oldest underived row, read from the database at each scrape (every process reports the same),
and the derivation lag of each row this process derived."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from dialtrail.collector import journal


def lag_histogram(registry: CollectorRegistry) -> Histogram:
    return Histogram(
        "dialtrail_journal_derivation_lag_seconds",
        "Time from a collector event's acceptance to its derivation (rows derived here).",
        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        registry=registry,
    )


class JournalCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.sessions() as db:
            sql = journal.statements(db.get_bind().dialect.name)
            backlog = db.execute(sql.backlog).scalar_one()
            oldest = db.execute(sql.oldest_pending).scalar()
        yield GaugeMetricFamily(
            "dialtrail_journal_backlog",
            "Collector events accepted and not yet derived into sessions, page views and values.",
            backlog,
        )
        age = max(0.0, (self.clock() - oldest).total_seconds()) if oldest else 0.0
        yield GaugeMetricFamily(
            "dialtrail_journal_oldest_pending_seconds",
            "Age of the oldest collector event not yet derived (0 when none).",
            age,
        )
