"""``dialtrail prune``: a project's webhook logs older than its ``webhook_log_retention_days``
(docs/privacy.md, "Retention"): attempts (with the receivers' response bodies) made before the
cut-off, and deliveries finished before it (each holds a copy of the call it carried). A
delivery still pending is never pruned, however old."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dialtrail.webhooks.models import WebhookAttempt, WebhookDelivery

FINISHED = ("delivered", "failed", "dismissed")


@dataclass(frozen=True)
class PrunedLogs:
    attempts: int
    deliveries: int


def prune_webhook_logs(db: Session, project_id: int, cutoff: datetime) -> PrunedLogs:
    connection = db.connection()
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.project_id == project_id)
    attempts = connection.execute(
        delete(WebhookAttempt).where(
            WebhookAttempt.delivery_id.in_(deliveries), WebhookAttempt.attempted_at < cutoff
        )
    ).rowcount
    finished = connection.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.project_id == project_id,
            WebhookDelivery.status.in_(FINISHED),
            WebhookDelivery.finished_at < cutoff,
        )
    ).rowcount
    return PrunedLogs(attempts, finished)
