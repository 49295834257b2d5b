"""Delivery (docs/design.md §6): signed, retried on schedule, Retry-After, 410, in order per call,
claims that come back after a crash, and every attempt logged."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update
from standardwebhooks.webhooks import Webhook as StandardWebhook

from dialtrail.webhooks.models import WebhookDelivery
from dialtrail.webhooks.signing import USER_AGENT
from tests.support.hooks import Hooks
from tests.support.receiver import Answer


def test_a_completed_call_is_delivered_signed_and_logged(hooks: Hooks) -> None:
    _, secret = hooks.webhook(headers={"Authorization": "Bearer crm"})
    hooks.call()

    assert hooks.deliver() == 1
    (request,) = hooks.receiver.received
    body = StandardWebhook(secret).verify(request.body, request.headers)
    assert body["type"] == "call.completed"
    assert body["data"]["call"]["duration_seconds"] == 60
    assert body["data"]["call"]["attribution"] == "none"
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["authorization"] == "Bearer crm"
    (delivery,) = hooks.deliveries()
    assert (delivery.status, delivery.attempts, delivery.message_id) == (
        "delivered",
        1,
        request.headers["webhook-id"],
    )
    (attempt,) = hooks.attempts()
    assert (attempt.status_code, attempt.response_body, attempt.error) == (200, "ok", None)
    assert attempt.latency_ms is not None


def test_only_subscribed_events_that_pass_the_filters_are_delivered(hooks: Hooks) -> None:
    hooks.webhook(events=["call.started", "call.completed"], name="all")
    hooks.webhook(
        events=["call.completed"],
        name="long calls",
        filters=[{"field": "call.duration_seconds", "op": "gte", "value": 120}],
    )
    hooks.webhook(
        events=["call.completed"],
        name="answered, known visit",
        filters=[
            {"field": "call.disposition", "op": "eq", "value": "answered"},
            {"field": "visit.utm_source", "op": "exists"},
        ],
    )
    hooks.webhook(
        events=["call.completed"],
        name="answered calls",
        filters=[{"field": "call.disposition", "op": "in", "value": ["answered", "voicemail"]}],
    )
    hooks.call(duration=60)

    sent = [(delivery.webhook_id, delivery.event) for delivery in hooks.deliveries()]
    assert sent == [(1, "call.started"), (1, "call.completed"), (4, "call.completed")]


def test_a_receiver_that_comes_back_gets_the_same_webhook_id(hooks: Hooks) -> None:
    hooks.webhook()
    hooks.call()
    hooks.receiver.answer(Answer(500, "down"), Answer(502, "still down"))

    hooks.deliver()
    (first,) = hooks.deliveries()
    assert first.status == "pending"
    assert first.next_attempt_at is not None
    assert (
        timedelta(seconds=4.5) <= first.next_attempt_at - hooks.clock.now <= timedelta(seconds=5.5)
    )
    assert hooks.deliver() == 0  # not due yet
    hooks.clock.advance(seconds=6)
    hooks.deliver()
    hooks.clock.advance(minutes=6)
    hooks.deliver()

    ids = {request.headers["webhook-id"] for request in hooks.receiver.received}
    assert len(hooks.receiver.received) == 3
    assert len(ids) == 1
    assert [a.status_code for a in hooks.attempts()] == [500, 502, 200]
    assert [a.response_body for a in hooks.attempts()][:2] == ["down", "still down"]
    assert hooks.deliveries()[0].status == "delivered"


def test_after_the_last_retry_the_delivery_fails(hooks: Hooks) -> None:
    webhook_id, _ = hooks.webhook()
    hooks.call()
    hooks.receiver.default = Answer(500, "broken")

    for _ in range(8):
        assert hooks.deliver() == 1
        hooks.clock.advance(hours=11)
    assert hooks.deliver() == 0

    (delivery,) = hooks.deliveries()
    assert (delivery.status, delivery.attempts) == ("failed", 8)
    assert delivery.finished_at is not None
    assert hooks.stored_webhook(webhook_id).failing_since is not None


def test_retry_after_is_honoured(hooks: Hooks) -> None:
    hooks.webhook()
    hooks.call()
    hooks.receiver.answer(Answer(503, "busy", {"Retry-After": "600"}))

    hooks.deliver()

    (delivery,) = hooks.deliveries()
    assert delivery.next_attempt_at == hooks.clock.now + timedelta(seconds=600)


def test_410_gone_disables_the_webhook(hooks: Hooks) -> None:
    webhook_id, _ = hooks.webhook()
    hooks.call("CA1")
    hooks.receiver.answer(Answer(410, "gone"))

    hooks.deliver()
    hooks.call("CA2")

    webhook = hooks.stored_webhook(webhook_id)
    assert not webhook.enabled
    assert "410 Gone" in (webhook.disabled_reason or "")
    assert [delivery.status for delivery in hooks.deliveries()] == ["failed"]


def test_five_days_of_failures_disable_the_webhook(hooks: Hooks) -> None:
    webhook_id, _ = hooks.webhook()
    hooks.receiver.default = Answer(500)
    for day in range(6):
        hooks.call(f"CA{day}")
        hooks.deliver()
        hooks.clock.advance(days=1)

    webhook = hooks.stored_webhook(webhook_id)
    assert not webhook.enabled
    assert "every delivery failed since" in (webhook.disabled_reason or "")


def test_a_later_event_of_a_call_waits_for_the_earlier_one(hooks: Hooks) -> None:
    hooks.webhook(events=["call.started", "call.completed"])
    start = hooks.event_time()
    hooks.report("started", at=start.isoformat())
    hooks.receiver.answer(Answer(500))
    hooks.deliver()
    ended = start + timedelta(seconds=30)
    hooks.report("ended", at=ended.isoformat(), duration_seconds=30)
    hooks.report("started", "CA2")  # another call is not held up

    hooks.deliver()
    assert [json.loads(r.body)["type"] for r in hooks.receiver.received] == [
        "call.started",
        "call.started",
    ]
    hooks.clock.advance(seconds=6)
    hooks.deliver()
    hooks.deliver()

    sent = [
        (json.loads(r.body)["data"]["call"]["external_id"], json.loads(r.body)["type"])
        for r in hooks.receiver.received
    ]
    assert sent == [
        ("CA1", "call.started"),
        ("CA2", "call.started"),
        ("CA1", "call.started"),
        ("CA1", "call.completed"),
    ]


def test_a_crashed_workers_claim_comes_back(hooks: Hooks) -> None:
    hooks.webhook()
    hooks.call()
    with hooks.database.session() as db:  # a worker claimed it, then died
        db.execute(
            update(WebhookDelivery).values(claimed_until=hooks.clock.now + timedelta(seconds=60))
        )
        db.commit()

    assert hooks.deliver() == 0
    hooks.clock.advance(seconds=61)
    assert hooks.deliver() == 1
    assert hooks.deliveries()[0].status == "delivered"


def test_an_unattributed_call_renders_empty_values_in_a_form(hooks: Hooks) -> None:
    hooks.webhook(
        format="form",
        parameters=[
            {"name": "visit id", "value": "visit.session_id"},
            {"name": "who", "value": "call.caller"},
        ],
    )
    hooks.call()
    hooks.deliver()

    (request,) = hooks.receiver.received
    assert request.body == b"visit+id=&who=%2B380671234567"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
