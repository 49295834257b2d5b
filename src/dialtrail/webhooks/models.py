"""Webhooks, their outbox of deliveries, and every attempt (docs/design.md §6).

A delivery is written in the same transaction as the call event that causes it (the outbox), so
an acknowledged event is never without its deliveries. Workers claim due deliveries with a
lease (``claimed_until``): a worker that dies mid-delivery loses its claim when the lease runs
out and another worker sends the delivery again (at-least-once, same ``webhook-id``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import NEVER_REUSE_IDS, Base, UTCDateTime, one_of, utcnow

# Each enumeration once: the Literal for the schemas, its values for the database's check.
WebhookEvent = Literal["call.started", "call.answered", "call.completed"]
Method = Literal["POST", "PUT", "PATCH", "GET"]
Format = Literal["json", "form", "query"]
DeliveryStatus = Literal["pending", "delivered", "failed", "dismissed"]
# A webhook proper, or an integration riding on the same engine (webhooks/integrations/).
WebhookKind = Literal["webhook", "ga4", "matomo"]
WEBHOOK_EVENTS: tuple[WebhookEvent, ...] = get_args(WebhookEvent)
METHODS: tuple[Method, ...] = get_args(Method)
FORMATS: tuple[Format, ...] = get_args(Format)
STATUSES: tuple[DeliveryStatus, ...] = get_args(DeliveryStatus)


class Webhook(Base):
    __tablename__ = "webhooks"
    __table_args__ = (
        one_of("method", METHODS),
        one_of("format", FORMATS),
        Index("ix_webhooks_project", "project_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # No check constraint: adding one on SQLite rebuilds the table, which would cascade-delete
    # its deliveries; the schemas take only WebhookKind's values.
    kind: Mapped[str] = mapped_column(String(16), default="webhook", server_default="webhook")
    # An integration's own settings (its secrets sealed with SecretBox); {} for a webhook.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    name: Mapped[str] = mapped_column(String(200))
    events: Mapped[list[Any]] = mapped_column(JSON)
    url: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(8), default="POST")
    format: Mapped[str] = mapped_column(String(8), default="json")
    # [{"name": …, "value": catalogue key}] or [{"name": …, "constant": …}], in order.
    parameters: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # {name: value sealed with SecretBox}: often credentials, never shown after saving.
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    filters: Mapped[list[Any]] = mapped_column(JSON, default=list)
    date_format: Mapped[str] = mapped_column(String(100), default="iso8601")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Signing secrets (whsec_…) sealed with SecretBox; during a rotation the previous one keeps
    # signing too, until previous_secret_until.
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text, default=None)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Why it was disabled by Dialtrail (410 Gone, 5 days of failures); None when by a user.
    disabled_reason: Mapped[str | None] = mapped_column(Text, default=None)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        one_of("status", STATUSES),
        # The worker's question: which pending deliveries are due?
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        # Ordering per call and webhook, and the deliveries page of a webhook.
        Index("ix_webhook_deliveries_webhook_call", "webhook_id", "call_id", "id"),
        Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), default=None
    )
    event: Mapped[str] = mapped_column(String(32))  # call.started, call.answered, call.completed
    # The Standard Webhooks message id: the same on every attempt, so receivers can deduplicate.
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    # What the event carried when it happened ({"call", "visit", "entities"}); rendered with
    # the webhook's current mapping at each attempt, so a fixed mapping applies to a resend.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Every attempt, as many as the log lists (a resend does not restart it). The retry
    # schedule counts only ``attempts - unscheduled_attempts``: those made before the latest
    # resend, and those made by Retry now, are outside it (webhooks/retry.py).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    unscheduled_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While a Retry now is due: the schedule's own next try, which a failed retry goes back to.
    retry_planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"
    __table_args__ = (
        Index("ix_webhook_attempts_delivery", "delivery_id", "attempted_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    request_method: Mapped[str] = mapped_column(String(8))
    request_url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    latency_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    response_body: Mapped[str | None] = mapped_column(Text, default=None)  # first 2 KB
    error: Mapped[str | None] = mapped_column(Text, default=None)
