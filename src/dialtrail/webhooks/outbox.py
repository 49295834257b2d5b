"""Writing deliveries for a call event, in the transaction that records the event (the outbox).

Each enabled webhook of the project that subscribes to the event, and whose filters hold,
gets one delivery carrying the event's data as it is now (a ``call.started`` delivery never
shows what the call became later). Once the transaction commits, this process's worker is
woken, so the first attempt does not wait for the next poll.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, event, insert, select
from sqlalchemy.orm import Session

from dialtrail.calls.data import CallData, EventData
from dialtrail.calls.models import Call, CallEvent
from dialtrail.projects.models import Project
from dialtrail.webhooks import filters
from dialtrail.webhooks.models import Webhook, WebhookDelivery
from dialtrail.webhooks.render import flat_values
from dialtrail.webhooks.signing import new_message_id
from dialtrail.webhooks.wakeup import WAKEUP

# Telephony events (docs/design.md §5) and the webhook events they cause (docs/design.md §6).
EVENT_TYPES = {"started": "call.started", "answered": "call.answered", "ended": "call.completed"}


# Built once: every telephony event runs them. Only the columns the outbox reads.
ENABLED_WEBHOOKS = (
    select(Webhook.id, Webhook.project_id, Webhook.events, Webhook.filters)
    .where(Webhook.project_id == bindparam("project_id"), Webhook.enabled.is_(True))
    .order_by(Webhook.id)
)
INSERT_DELIVERY = insert(cast(Table, WebhookDelivery.__table__))
EnabledWebhook = Row[int, int, list[Any], list[Any]]


def event_data(call: Call, project: Project) -> EventData:
    return {
        "call": CallData.of(call).as_json(),
        "visit": dict(call.visit or {}),
        "entities": dict(call.entities or {}),
        "project": {"id": project.id, "name": project.name},
    }


def enqueue(db: Session, call: Call, recorded: CallEvent) -> int:
    """A listener of calls.listeners: called once per new telephony event. Answers how many
    deliveries it wrote."""
    event_type = EVENT_TYPES[recorded.event]
    project = db.get(Project, call.project_id)
    assert project is not None
    data = event_data(call, project)
    values = flat_values(data)
    rows = [
        delivery_row(webhook, call, event_type, data, recorded)
        for webhook in db.execute(ENABLED_WEBHOOKS, {"project_id": project.id})
        if event_type in webhook.events and filters.matches(webhook.filters, values)
    ]
    if rows:
        # One INSERT of every row, below the ORM (nothing in this request reads them back);
        # ids follow the webhooks' order, as they did row by row.
        db.execute(INSERT_DELIVERY, rows)
        event.listen(db, "after_commit", wake_worker, once=True)
    return len(rows)


def delivery_row(
    webhook: EnabledWebhook,
    call: Call,
    event_type: str,
    data: EventData,
    recorded: CallEvent,
) -> dict[str, Any]:
    return {
        "webhook_id": webhook.id,
        "project_id": webhook.project_id,
        "call_id": call.id,
        "event": event_type,
        "message_id": new_message_id(),
        "data": data,
        "occurred_at": recorded.at,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": recorded.received_at,
    }


def wake_worker(db: Session) -> None:
    WAKEUP.notify()
