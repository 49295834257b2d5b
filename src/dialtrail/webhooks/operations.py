"""What a user does with a webhook's deliveries (docs/design.md §6): list them, read the attempts,
resend, dismiss; preview and test-send a webhook; rotate its secret."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError, conflict, not_found
from dialtrail.calls.data import CALL_DATA_FIELDS, EventData
from dialtrail.calls.models import Call
from dialtrail.entities.models import TrackingEntity
from dialtrail.outbound import Outbound, OutboundRefused
from dialtrail.projects.models import Project
from dialtrail.secrets import SecretBox
from dialtrail.sessions.visit import VISIT_FIELDS
from dialtrail.webhooks.failing import refuse_if_off
from dialtrail.webhooks.integrations import request_for
from dialtrail.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from dialtrail.webhooks.outbox import event_data
from dialtrail.webhooks.render import BodyTooLarge, NotSent, RenderedRequest
from dialtrail.webhooks.rules import masked
from dialtrail.webhooks.signing import new_secret, signed_headers
from dialtrail.webhooks.worker import describe, signing_secrets, webhook_spec

ROTATION_GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class DeliveryFilters:
    status: str | None = None
    event: str | None = None
    call_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_deliveries(
    db: Session, webhook: Webhook, filters: DeliveryFilters, limit: int, cursor: int | None
) -> list[WebhookDelivery]:
    """Newest first; ``cursor`` is the id of the last delivery of the previous page."""
    query = filtered(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id), filters
    )
    if cursor is not None:
        query = query.where(WebhookDelivery.id < cursor)
    return list(db.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))


def filtered(query: Select[Any], filters: DeliveryFilters) -> Select[Any]:
    if filters.status:
        query = query.where(WebhookDelivery.status == filters.status)
    if filters.event:
        query = query.where(WebhookDelivery.event == filters.event)
    if filters.call_id is not None:
        query = query.where(WebhookDelivery.call_id == filters.call_id)
    if filters.since:
        query = query.where(WebhookDelivery.created_at >= filters.since)
    if filters.until:
        query = query.where(WebhookDelivery.created_at < filters.until)
    return query


def find_delivery(db: Session, webhook: Webhook, delivery_id: int) -> WebhookDelivery:
    delivery = db.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id:
        raise not_found(f"delivery {delivery_id}")
    return delivery


def attempts_of(db: Session, delivery: WebhookDelivery) -> list[WebhookAttempt]:
    query = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id)
    return list(db.scalars(query.order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)))


def delivery_counts(db: Session, project: Project) -> dict[int, dict[str, int]]:
    """For each webhook of the project, how many of its deliveries are in each status."""
    query = (
        select(WebhookDelivery.webhook_id, WebhookDelivery.status, func.count())
        .where(WebhookDelivery.project_id == project.id)
        .group_by(WebhookDelivery.webhook_id, WebhookDelivery.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for webhook_id, status, count in db.execute(query):
        counts.setdefault(webhook_id, {})[status] = count
    return counts


def latest_call_id(db: Session, project: Project) -> int | None:
    """The call a preview renders when the user names none."""
    query = select(func.max(Call.id)).where(Call.project_id == project.id)
    latest: int | None = db.scalar(query)
    return latest


def resend(webhook: Webhook, delivery: WebhookDelivery, now: datetime) -> None:
    """Sends it again, soon, with a fresh retry schedule and the same webhook-id. Its attempts
    so far stay counted (the log lists them) but outside the new schedule."""
    refuse_if_off(webhook)
    if delivery.status == "pending":
        raise conflict("this delivery is waiting to be sent already")
    delivery.status = "pending"
    delivery.unscheduled_attempts = delivery.attempts
    delivery.retry_planned_at = None
    delivery.next_attempt_at = now
    delivery.claimed_until = None
    delivery.finished_at = None


def dismiss(delivery: WebhookDelivery, now: datetime) -> None:
    if delivery.status == "delivered":
        raise conflict("a delivered delivery cannot be dismissed")
    delivery.status = "dismissed"
    delivery.finished_at = now
    delivery.next_attempt_at = None


def failed_since(webhook: Webhook, since: datetime | None) -> Any:
    query = update(WebhookDelivery).where(
        WebhookDelivery.webhook_id == webhook.id, WebhookDelivery.status == "failed"
    )
    return query.where(WebhookDelivery.created_at >= since) if since else query


def resend_failed(db: Session, webhook: Webhook, since: datetime | None, now: datetime) -> int:
    refuse_if_off(webhook)
    values = {
        "status": "pending",
        "unscheduled_attempts": WebhookDelivery.attempts,  # as resend() does, row by row
        "retry_planned_at": None,
        "next_attempt_at": now,
        "finished_at": None,
    }
    return int(db.execute(failed_since(webhook, since).values(values)).rowcount)  # type: ignore[attr-defined]


def dismiss_failed(db: Session, webhook: Webhook, since: datetime | None, now: datetime) -> int:
    values = {"status": "dismissed", "finished_at": now}
    return int(db.execute(failed_since(webhook, since).values(values)).rowcount)  # type: ignore[attr-defined]


def rotate_secret(webhook: Webhook, box: SecretBox, now: datetime) -> str:
    """A new secret signs from now on; the old one signs too for 24 hours (both signatures
    are sent), so receivers can switch without losing a delivery."""
    fresh = new_secret()
    webhook.previous_secret = webhook.secret
    webhook.previous_secret_until = now + ROTATION_GRACE
    webhook.secret = box.seal(fresh)
    return fresh


def sample_or_call_data(db: Session, project: Project, call_id: int | None) -> EventData:
    if call_id is None:
        return sample_data(db, project)
    call = db.get(Call, call_id)
    if call is None or call.project_id != project.id:
        raise ApiError(422, "validation_failed", f"call_id: no call {call_id} in this project")
    return event_data(call, project)


def sample_data(db: Session, project: Project) -> EventData:
    """An event made of the described examples, for a webhook tried before any call."""
    # Enabled ones only: a call's snapshot holds no disabled entity, so a send leaves it empty.
    names = db.scalars(
        select(TrackingEntity.name).where(
            TrackingEntity.project_id == project.id, TrackingEntity.enabled.is_(True)
        )
    )
    return {
        "call": {field.name: field.example for field in CALL_DATA_FIELDS},
        "visit": {field.name: field.example for field in VISIT_FIELDS},
        "entities": {
            name: {
                "value": f"example-{name}",
                "observed_at": "2026-11-27T10:14:00Z",
                "page_url": "https://example.com/",
            }
            for name in names
        },
        "project": {"id": project.id, "name": project.name},
    }


def preview(
    webhook: Webhook,
    project: Project,
    box: SecretBox,
    data: EventData,
    now: datetime,
    validate: bool = False,
) -> RenderedRequest:
    """The request a delivery of this event would send now; ``validate``: the test send's,
    which an integration may send to its validation endpoint instead (GA4)."""
    spec = webhook_spec(webhook, project, box)
    try:
        return request_for(spec, preview_event(webhook), now, data, now, validate=validate)
    except BodyTooLarge as error:
        raise ApiError(422, "body_too_large", str(error)) from None
    except NotSent as reason:
        raise ApiError(422, "not_sent", f"Not sent: {reason}") from None


def preview_event(webhook: Webhook) -> str:
    return str(webhook.events[-1]) if webhook.events else "call.completed"


@dataclass(frozen=True)
class TestResult:
    request: RenderedRequest
    status_code: int | None
    response_headers: dict[str, str]
    response_body: str | None
    latency_ms: int | None
    error: str | None


async def test_send(
    webhook: Webhook, request: RenderedRequest, box: SecretBox, outbound: Outbound, now: datetime
) -> TestResult:
    """Sends the rendered request once, signed like a delivery, and reports what came back."""
    sent = signed(webhook, request, box, now, "test")
    try:
        answer = await outbound.send(sent.method, sent.url, sent.headers, sent.body)
    except OutboundRefused as error:
        return TestResult(sent, None, {}, None, None, str(error))
    except Exception as error:  # timeout, refused connection: reported, not raised
        return TestResult(sent, None, {}, None, None, describe(error))
    return TestResult(
        sent, answer.status_code, answer.headers, answer.body, answer.latency_ms, None
    )


def signed(
    webhook: Webhook, request: RenderedRequest, box: SecretBox, now: datetime, purpose: str
) -> RenderedRequest:
    """The request with the headers added at send time, as a send now would carry them; the
    message id (``msg_test_…``, ``msg_preview_…``) says it is not a delivery. An
    integration's request is sent as it is (worker.sending_headers)."""
    if webhook.kind != "webhook":
        return request
    headers = signed_headers(
        signing_secrets(webhook, box, now),
        f"msg_{purpose}_" + secrets.token_urlsafe(12),
        int(time.time()),  # checked by the receiver against its own clock
        request.body,
    )
    return replace(request, headers={**request.headers, **headers})


def masked_headers(request: RenderedRequest, webhook: Webhook) -> dict[str, str]:
    """The user's own header values (often credentials) are masked, as everywhere else."""
    return {
        name: masked(value) if name in webhook.headers else value
        for name, value in request.headers.items()
    }
