"""Webhook delivery metrics for ``GET /metrics`` (Prometheus): attempts by outcome and their
latency, counted in this process; queue depth and the oldest pending delivery's age, read from
the database at each scrape (so every process reports the same, whole queue)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dialtrail.webhooks.models import WebhookDelivery

REGISTRY = CollectorRegistry()
ATTEMPTS = Counter(
    "dialtrail_webhook_attempts",
    "Webhook delivery attempts by outcome: delivered, retry (will be tried again), failed.",
    ["outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "dialtrail_webhook_attempt_seconds",
    "Time from sending a webhook request to its answer.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
    registry=REGISTRY,
)


def observe(result: str, latency_ms: int | None) -> None:
    if result in ("delivered", "retry", "failed"):  # not ignored, not released unsent
        ATTEMPTS.labels(result).inc()
    if latency_ms is not None:
        LATENCY.observe(latency_ms / 1000)


class QueueCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pending = select(func.count(), func.min(WebhookDelivery.created_at)).where(
            WebhookDelivery.status == "pending"
        )
        with self.sessions() as db:
            depth, oldest = db.execute(pending).one()
        yield GaugeMetricFamily(
            "dialtrail_webhook_queue_depth",
            "Webhook deliveries not yet delivered or failed.",
            depth,
        )
        age = (self.clock() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "dialtrail_webhook_oldest_pending_seconds",
            "Age of the oldest pending webhook delivery (0 when none).",
            age,
        )


def exposition(queue: CollectorRegistry) -> bytes:
    return generate_latest(REGISTRY) + generate_latest(queue)
