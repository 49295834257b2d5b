"""What is failing now, and *Retry now* (docs/design.md §6).

A delivery whose receiver is down stays *pending* for about 27 hours of retries before it
fails for good; it is failing from its first failed attempt. Failing now means pending with
at least one attempt (every attempt but the last failed, or it would be delivered). The
webhook list and the error page show these with how many, since when and the last answer,
and *Retry now* (one, or all of a webhook's) makes them due at once: a retry now that fails
goes back to the try the schedule had planned (webhooks/retry.py, ``after_failure``).

Nothing is sent to a webhook that is off (by hand, or after a 410 Gone): resend and retry now
say so (``webhook_disabled``) rather than wait in silence for it to be turned on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError, conflict
from dialtrail.projects.models import Project
from dialtrail.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

# Tried and failed since its latest resend: a resend keeps the attempts made before it (as
# unscheduled), so a delivery just resent is waiting, not failing.
FAILING: ColumnElement[bool] = and_(
    WebhookDelivery.status == "pending",
    WebhookDelivery.attempts > WebhookDelivery.unscheduled_attempts,
)


@dataclass(frozen=True)
class FailingNow:
    """A webhook's deliveries failing now: how many, since their first attempt, the last
    answer (a status code, or the error in words) and when it came."""

    count: int
    since: datetime
    last_answer: str
    last_attempt_at: datetime


def failing_now(db: Session, project: Project) -> dict[int, FailingNow]:
    """For each webhook of the project with deliveries failing now."""
    query = (
        select(
            WebhookDelivery.webhook_id,
            func.count(func.distinct(WebhookDelivery.id)),
            func.min(WebhookAttempt.attempted_at),
        )
        .join(WebhookAttempt, WebhookAttempt.delivery_id == WebhookDelivery.id)
        .where(WebhookDelivery.project_id == project.id, FAILING)
        .group_by(WebhookDelivery.webhook_id)
    )
    latest = latest_attempts(db, project)
    found: dict[int, FailingNow] = {}
    for webhook_id, count, since in db.execute(query):
        status_code, error, attempted_at = latest[webhook_id]
        answer = answer_in_words(status_code, error)
        found[webhook_id] = FailingNow(count, since, answer, attempted_at)
    return found


def latest_attempts(
    db: Session, project: Project
) -> dict[int, tuple[int | None, str | None, datetime]]:
    """Each failing webhook's latest attempt (status code, error, time), in one read."""
    newest_first = func.row_number().over(
        partition_by=WebhookDelivery.webhook_id,
        order_by=(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id.desc()),
    )
    ranked = (
        select(
            WebhookDelivery.webhook_id,
            WebhookAttempt.status_code,
            WebhookAttempt.error,
            WebhookAttempt.attempted_at,
            newest_first.label("rank"),
        )
        .join(WebhookDelivery, WebhookAttempt.delivery_id == WebhookDelivery.id)
        .where(WebhookDelivery.project_id == project.id, FAILING)
        .subquery()
    )
    rows = db.execute(
        select(
            ranked.c.webhook_id, ranked.c.status_code, ranked.c.error, ranked.c.attempted_at
        ).where(ranked.c.rank == 1)
    )
    return {row.webhook_id: (row.status_code, row.error, row.attempted_at) for row in rows}


def failing_deliveries(db: Session, webhook: Webhook, limit: int) -> list[WebhookDelivery]:
    """The webhook's deliveries failing now, the next to be tried first."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook.id, FAILING)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    return list(db.scalars(query))


def answer_in_words(status_code: int | None, error: str | None) -> str:
    """An attempt's outcome in a few words: the status code, or the error's first line (the
    raw exception that may follow it is a detail)."""
    if status_code is not None:
        return f"answered {status_code}"
    return first_line(error) or "no answer"


def first_line(text: str | None) -> str:
    return (text or "").split("\n", 1)[0]


def refuse_if_off(webhook: Webhook) -> None:
    """Nothing is sent while a webhook is off: saying "will be sent again" would be untrue."""
    if webhook.enabled:
        return
    why = f" ({webhook.disabled_reason})" if webhook.disabled_reason else " (turned off by hand)"
    raise ApiError(
        409,
        "webhook_disabled",
        f"{webhook.name} is off{why}, so nothing is sent to it; turn it on first (PATCH the "
        'webhook with {"enabled": true}, or Turn it on in the admin), then send again',
    )


def retry_now(webhook: Webhook, delivery: WebhookDelivery, now: datetime) -> None:
    """Makes a pending delivery due at once; its planned try is kept for a failure."""
    refuse_if_off(webhook)
    if delivery.status != "pending":
        raise conflict(f"this delivery is {delivery.status}, not waiting for a retry; resend it")
    if delivery.claimed_until is not None and delivery.claimed_until > now:
        raise conflict("this delivery is being sent right now")
    if delivery.next_attempt_at is None or delivery.next_attempt_at <= now:
        return  # due already: the worker sends it as soon as it can
    delivery.retry_planned_at = delivery.retry_planned_at or delivery.next_attempt_at
    delivery.next_attempt_at = now


def retry_all_now(db: Session, webhook: Webhook, now: datetime) -> int:
    """Every delivery of the webhook failing now and not due yet is due at once; answers how
    many (those being sent right now are left alone)."""
    refuse_if_off(webhook)
    values: dict[str, Any] = {
        "retry_planned_at": func.coalesce(
            WebhookDelivery.retry_planned_at, WebhookDelivery.next_attempt_at
        ),
        "next_attempt_at": now,
    }
    query = (
        update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook.id,
            FAILING,
            WebhookDelivery.next_attempt_at > now,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now),
        )
        .values(values)
    )
    return int(db.execute(query).rowcount)  # type: ignore[attr-defined]
