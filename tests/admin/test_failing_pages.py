"""The error page's failing-now part and a webhook that is off, as a browser posts them: what a
refused Retry now says, Turn it on, and hostile answers shown as text on the list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dialtrail.projects.models import Project
from dialtrail.webhooks.failing import failing_now
from dialtrail.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from tests.admin.conftest import SignedIn
from tests.admin.test_webhook_pages import flashes
from tests.support.admin import signed_in
from tests.support.databases import Database
from tests.support.people import World
from tests.support.webhook_pages import HOSTILE, create_by_api


def add_delivery(
    database: Database, world: World, webhook_id: int, status: str, **fields: Any
) -> int:
    """A delivery tried once, and that attempt: refused with ``error``."""
    now = datetime.now(UTC)
    error = fields.pop("error", "connection refused by crm.example.com:443")
    with database.session() as db:
        delivery = WebhookDelivery(
            **{
                "webhook_id": webhook_id,
                "project_id": world.project_id,
                "event": "call.completed",
                "message_id": f"msg_{status}_{now.timestamp()}",
                "data": {"call": {}, "visit": {}, "entities": {}},
                "occurred_at": now,
                "status": status,
                "attempts": 1,
                "next_attempt_at": now + timedelta(minutes=5) if status == "pending" else None,
                "last_error": error,
                **fields,
            }
        )
        db.add(delivery)
        db.flush()
        db.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                attempted_at=now,
                request_method="POST",
                request_url="https://crm.example.com/hook",
                error=error,
            )
        )
        db.commit()
        return delivery.id


def stored(database: Database, delivery_id: int) -> WebhookDelivery:
    with database.session() as db:
        delivery = db.get(WebhookDelivery, delivery_id)
    assert delivery is not None
    return delivery


def test_a_refused_retry_now_says_why_and_changes_nothing(
    world: World, owner: SignedIn, database: Database
) -> None:
    created = create_by_api(world, parameters=[])
    failed = add_delivery(database, world, created["id"], "failed")
    in_flight = add_delivery(
        database,
        world,
        created["id"],
        "pending",
        claimed_until=datetime.now(UTC) + timedelta(seconds=60),
    )
    base = f"{owner.project}/webhooks/{created['id']}"

    for delivery_id in (failed, in_flight):
        answer = owner.post(f"{base}/deliveries/{delivery_id}/retry-now", back="failed")
        assert (answer.status_code, answer.headers["location"]) == (303, f"{base}/failed")
    page = owner.client.get(f"{base}/failed").text

    assert flashes(page) == [
        "Nothing was done: this delivery is failed, not waiting for a retry; resend it.",
        "Nothing was done: this delivery is being sent right now.",
    ]
    assert stored(database, failed).status == "failed"
    assert stored(database, in_flight).next_attempt_at is not None
    assert stored(database, in_flight).retry_planned_at is None


def test_turning_a_webhook_on_is_for_those_who_may_change_it(
    world: World, owner: SignedIn, database: Database
) -> None:
    created = create_by_api(world, parameters=[])
    with database.session() as db:
        webhook = db.get(Webhook, created["id"])
        assert webhook is not None
        webhook.enabled, webhook.disabled_reason = False, "the receiver answered 410 Gone"
        db.commit()
    pending = add_delivery(database, world, created["id"], "pending")
    base = f"{owner.project}/webhooks/{created['id']}"
    from_its_page = owner.post(f"{base}/deliveries/{pending}/retry-now")
    assert from_its_page.headers["location"] == f"{base}/failed"  # where Turn it on is
    page = owner.client.get(f"{base}/failed").text
    assert flashes(page) == ["CRM is off, so nothing was sent. Turn it on below, then try again."]
    assert 'data-testid="webhook-off"' in page
    assert stored(database, pending).retry_planned_at is None
    path = f"{base}/enable"
    client, csrf = signed_in(world.base_url, world.outsider.email)

    refused = client.post(path, data={"csrf_token": csrf})
    assert refused.status_code == 404
    turned_on = owner.post(path)

    assert turned_on.headers["location"].endswith("/failed")
    with database.session() as db:
        webhook = db.get(Webhook, created["id"])
        assert webhook is not None
        assert (webhook.enabled, webhook.disabled_reason) == (True, None)
    due = stored(database, pending)  # it was planned 5 minutes ahead: now it goes at once
    assert due.next_attempt_at is not None
    assert due.next_attempt_at <= datetime.now(UTC)
    assert due.retry_planned_at is not None
    client.close()


def test_the_list_shows_what_is_failing_now_as_text(
    world: World, owner: SignedIn, database: Database
) -> None:
    created = create_by_api(world, parameters=[])
    add_delivery(database, world, created["id"], "pending", error=f"{HOSTILE}\nRawError: x")
    add_delivery(database, world, created["id"], "failed")  # failed for good: not failing now

    page = owner.client.get(f"{owner.project}/webhooks").text

    assert 'data-testid="failing-count">1 failing<' in page
    assert 'title="&lt;img src=x onerror=alert(1)&gt;"' in page  # the words, not the detail
    assert HOSTILE not in page
    assert "RawError" not in page


def test_each_failing_webhook_shows_its_own_latest_answer(world: World, database: Database) -> None:
    crm = create_by_api(world, parameters=[], name="CRM")
    erp = create_by_api(world, parameters=[], name="ERP")
    add_delivery(database, world, crm["id"], "pending", error="timed out after 15 s")
    add_delivery(database, world, crm["id"], "pending", error="connection refused by crm:443")
    add_delivery(database, world, erp["id"], "pending", error="answered 503 by erp")

    with database.session() as db:
        project = db.get(Project, world.project_id)
        assert project is not None
        found = failing_now(db, project)

    assert (found[crm["id"]].count, found[crm["id"]].last_answer) == (
        2,
        "connection refused by crm:443",  # the newer of its two
    )
    assert (found[erp["id"]].count, found[erp["id"]].last_answer) == (1, "answered 503 by erp")
