"""Rows for the webhook benchmark, written straight to the scratch database: an API token, a
webhook pointing at the benchmark's receiver, and calls with pending deliveries.

The deliveries are built as the outbox builds them (``outbox.event_data`` of a stored call),
for attributed calls whose visit and entity snapshots are filled in, so each body is as large
as a real one. Each delivery belongs to a call of its own: deliveries of one call to one
webhook go out in order, one at a time, and would measure that rule instead of the worker.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from dialtrail.calls.models import Call
from dialtrail.projects.accounts import issue_token
from dialtrail.projects.models import Project, User
from dialtrail.secrets import SecretBox
from dialtrail.storage.base import utcnow
from dialtrail.storage.engine import create_session_factory
from dialtrail.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from dialtrail.webhooks.outbox import event_data
from dialtrail.webhooks.render import render
from dialtrail.webhooks.signing import new_message_id, new_secret, signed_headers
from dialtrail.webhooks.worker import signing_secrets, webhook_spec
from harness.scratch import ENTITY_NAMES

CALLER = "+380671234567"
TRACKING_NUMBER = "+380441112299"


@dataclass(frozen=True)
class Outgoing:
    """One request as the worker would send it: rendered, signed, ready to post."""

    message_id: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def sessions(engine: Engine) -> Session:
    return create_session_factory(engine)()


def add_token(engine: Engine, owner_id: int) -> str:
    with sessions(engine) as db:
        owner = db.get(User, owner_id)
        assert owner is not None
        issued = issue_token(db, owner, "webhook benchmark")
        db.commit()
        return issued.secret


def add_webhook(engine: Engine, project_id: int, url: str, box: SecretBox) -> int:
    """A webhook on ``call.completed`` with the full event as a JSON body (the default)."""
    with sessions(engine) as db:
        webhook = Webhook(
            project_id=project_id,
            name="CRM",
            events=["call.completed"],
            url=url,
            secret=box.seal(new_secret()),
        )
        db.add(webhook)
        db.commit()
        return webhook.id


def disable_webhook(engine: Engine, webhook_id: int) -> None:
    """So that a later part's calls are not delivered to it too."""
    with sessions(engine) as db:
        webhook = db.get(Webhook, webhook_id)
        assert webhook is not None
        webhook.enabled = False
        db.commit()


def add_pending_deliveries(
    engine: Engine, webhook_id: int, count: int, label: str
) -> list[WebhookDelivery]:
    """``count`` ended calls, each with one delivery due now; one transaction."""
    with sessions(engine) as db:
        webhook = db.get(Webhook, webhook_id)
        assert webhook is not None
        project = db.get(Project, webhook.project_id)
        assert project is not None
        now = utcnow()
        calls = [attributed_call(project.id, f"{label}-{number}", now) for number in range(count)]
        db.add_all(calls)
        db.flush()
        deliveries = [pending_delivery(webhook, project, call, now) for call in calls]
        db.add_all(deliveries)
        db.commit()
        return deliveries


def attributed_call(project_id: int, external_id: str, ended_at: datetime) -> Call:
    started_at = ended_at - timedelta(seconds=95)
    return Call(
        project_id=project_id,
        provider="api",
        external_id=external_id,
        direction="incoming",
        caller=CALLER,
        tracking_number=TRACKING_NUMBER,
        destination="+380441000000",
        started_at=started_at,
        answered_at=started_at + timedelta(seconds=15),
        ended_at=ended_at,
        wait_seconds=15,
        talk_seconds=80,
        duration_seconds=95,
        disposition="answered",
        insertion_type="dynamic",
        attribution="session",
        is_first_call=True,
        visit=visit_snapshot(started_at),
        entities=entity_snapshot(started_at),
    )


def visit_snapshot(started_at: datetime) -> dict[str, object]:
    seen = (started_at - timedelta(minutes=7)).isoformat().replace("+00:00", "Z")
    return {
        "session_id": secrets.token_urlsafe(12),
        "visitor_id": secrets.token_urlsafe(16),
        "ga_client_id": "GA1.1.123456789.1700000000",
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "black-friday",
        "utm_content": None,
        "utm_term": None,
        "gclid": None,
        "fbclid": None,
        "yclid": None,
        "referrer": "https://www.google.com/",
        "landing_page": "https://shop.example.com/?utm_source=newsletter&utm_medium=email",
        "started_at": seen,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari",
        "page_views": 4,
        "page_url": "https://shop.example.com/cart",
    }


def entity_snapshot(started_at: datetime) -> dict[str, object]:
    seen = (started_at - timedelta(minutes=2)).isoformat().replace("+00:00", "Z")
    return {
        name: {
            "value": secrets.token_urlsafe(9),
            "observed_at": seen,
            "page_url": "https://shop.example.com/cart",
        }
        for name in ENTITY_NAMES
    }


def pending_delivery(
    webhook: Webhook, project: Project, call: Call, now: datetime
) -> WebhookDelivery:
    assert call.ended_at is not None
    return WebhookDelivery(
        webhook_id=webhook.id,
        project_id=project.id,
        call_id=call.id,
        event="call.completed",
        message_id=new_message_id(),
        data=event_data(call, project),
        occurred_at=call.ended_at,
        status="pending",
        attempts=0,
        next_attempt_at=now,
    )


def outgoing_requests(
    engine: Engine, box: SecretBox, deliveries: list[WebhookDelivery]
) -> list[Outgoing]:
    """The requests the worker will send for ``deliveries``, rendered and signed with the
    worker's own functions, for the baseline to send without the worker."""
    with sessions(engine) as db:
        webhook = db.get(Webhook, deliveries[0].webhook_id)
        assert webhook is not None
        project = db.get(Project, webhook.project_id)
        assert project is not None
        spec = webhook_spec(webhook, project, box)
        keys = signing_secrets(webhook, box, utcnow())
    outgoing = []
    for delivery in deliveries:
        request = render(spec, delivery.event, delivery.occurred_at, delivery.data)
        signed = signed_headers(keys, delivery.message_id, int(time.time()), request.body)
        headers = {**request.headers, **signed}
        outgoing.append(
            Outgoing(delivery.message_id, request.method, request.url, headers, request.body)
        )
    return outgoing


def delivery_counts(engine: Engine, webhook_id: int) -> dict[str, int]:
    """Deliveries of the webhook by status, and attempts made for them."""
    with engine.connect() as connection:
        by_status = connection.execute(
            select(WebhookDelivery.status, func.count())
            .where(WebhookDelivery.webhook_id == webhook_id)
            .group_by(WebhookDelivery.status)
        ).all()
        attempts = connection.scalar(
            select(func.count())
            .select_from(WebhookAttempt)
            .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
            .where(WebhookDelivery.webhook_id == webhook_id)
        )
    counts = {status: int(count) for status, count in by_status}
    counts["attempts"] = int(attempts or 0)
    return counts


def pending_count(engine: Engine, webhook_id: int) -> int:
    with engine.connect() as connection:
        query = select(func.count()).where(
            WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "pending"
        )
        return int(connection.scalar(query) or 0)


def message_ids_by_call(engine: Engine, call_ids: list[int]) -> dict[int, list[str]]:
    """The message ids of the deliveries of each call (one per call when a single webhook
    subscribes to one event)."""
    found: dict[int, list[str]] = {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(WebhookDelivery.call_id, WebhookDelivery.message_id)
            .where(WebhookDelivery.call_id.in_(call_ids))
            .order_by(WebhookDelivery.id)
        ).all()
    for call_id, message_id in rows:
        if call_id is not None:  # selected by call id: never None
            found.setdefault(call_id, []).append(message_id)
    return found
