"""Deliveries failing now (pending after failed attempts) through the API: retry now, alone and
in bulk, which keeps the retry schedule when it fails again; attempts that agree with the log
after a resend; and a webhook that is off refusing resend and retry now with a reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dialtrail.projects.models import Project
from dialtrail.webhooks.failing import FailingNow, failing_now
from dialtrail.webhooks.models import Webhook
from tests.support.hooks import Hooks
from tests.support.receiver import Answer
from tests.webhooks.test_webhook_operations import failed_delivery, url


def failing_delivery(hooks: Hooks, failures: int = 2) -> tuple[int, dict[str, Any]]:
    """A webhook whose receiver answers 503, and its one delivery after ``failures`` attempts."""
    webhook_id, _ = hooks.webhook()
    hooks.receiver.default = Answer(503, "down for maintenance")
    hooks.call()
    for _ in range(failures):
        hooks.deliver()
        hooks.clock.advance(seconds=6)
    return webhook_id, only_delivery(hooks, webhook_id)


def only_delivery(hooks: Hooks, webhook_id: int) -> dict[str, Any]:
    (item,) = hooks.world.owner.client.get(url(hooks, webhook_id, "/deliveries")).json()["items"]
    detail: dict[str, Any] = hooks.world.owner.client.get(
        url(hooks, webhook_id, f"/deliveries/{item['id']}")
    ).json()
    return detail


def failing_now_of(hooks: Hooks, webhook_id: int) -> FailingNow | None:
    with hooks.database.session() as db:
        project = db.get(Project, hooks.world.project_id)
        assert project is not None
        return failing_now(db, project).get(webhook_id)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_retry_now_that_fails_goes_back_to_the_planned_try(hooks: Hooks) -> None:
    webhook_id, before = failing_delivery(hooks)
    assert (before["status"], before["attempts"], before["attempts_in_schedule"]) == (
        "pending",
        2,
        2,
    )
    planned = moment(before["next_attempt_at"])  # the schedule's third try, about 5 min on

    retried = hooks.world.member.client.post(
        url(hooks, webhook_id, f"/deliveries/{before['id']}/retry-now")
    )
    assert retried.status_code == 200, retried.text
    assert moment(retried.json()["next_attempt_at"]) < planned
    assert hooks.deliver() == 1  # at once, not in 5 minutes

    after = only_delivery(hooks, webhook_id)
    assert (after["status"], after["attempts"], len(after["attempts_log"])) == ("pending", 3, 3)
    assert moment(after["next_attempt_at"]) == planned
    assert after["attempts_in_schedule"] == 2  # the retry now is outside the schedule
    assert len(hooks.receiver.received) == 3


def test_a_retry_now_that_succeeds_delivers(hooks: Hooks) -> None:
    webhook_id, before = failing_delivery(hooks)
    hooks.receiver.default = Answer(200, "back")

    hooks.world.owner.client.post(url(hooks, webhook_id, f"/deliveries/{before['id']}/retry-now"))
    hooks.deliver()

    after = only_delivery(hooks, webhook_id)
    assert (after["status"], after["attempts"], after["last_status_code"]) == ("delivered", 3, 200)


def test_retry_all_now_makes_every_failing_delivery_due(hooks: Hooks) -> None:
    webhook_id, _ = hooks.webhook()
    hooks.receiver.default = Answer(503)
    for call in ("CA1", "CA2", "CA3"):
        hooks.call(call)
    hooks.deliver()
    hooks.clock.advance(seconds=1)  # before the first retry (5 s)

    assert hooks.deliver() == 0  # none due yet
    answer = hooks.world.member.client.post(url(hooks, webhook_id, "/deliveries/retry-now"))
    assert answer.json() == {"count": 3}
    assert hooks.deliver() == 3
    again = hooks.world.member.client.post(url(hooks, webhook_id, "/deliveries/retry-now"))
    assert again.json() == {"count": 3}  # back on their planned tries, so not due: due again


def test_retry_now_is_for_pending_deliveries(hooks: Hooks) -> None:
    webhook_id = failed_delivery(hooks)
    (item,) = hooks.world.owner.client.get(url(hooks, webhook_id, "/deliveries")).json()["items"]

    refused = hooks.world.owner.client.post(
        url(hooks, webhook_id, f"/deliveries/{item['id']}/retry-now")
    )

    assert refused.status_code == 409
    assert "failed, not waiting for a retry; resend it" in refused.json()["message"]


def test_attempts_agree_with_the_log_after_a_resend(hooks: Hooks) -> None:
    """Attempts count every attempt; the schedule restarts at a resend (5 s first)."""
    webhook_id = failed_delivery(hooks)
    (item,) = hooks.world.owner.client.get(url(hooks, webhook_id, "/deliveries")).json()["items"]
    hooks.world.owner.client.post(url(hooks, webhook_id, f"/deliveries/{item['id']}/resend"))

    resent = only_delivery(hooks, webhook_id)
    assert (resent["attempts"], len(resent["attempts_log"])) == (8, 8)
    assert resent["attempts_in_schedule"] == 0
    assert failing_now_of(hooks, webhook_id) is None  # resent: waiting, not failing yet

    hooks.receiver.default = Answer(500, "still down")
    hooks.deliver()
    again = only_delivery(hooks, webhook_id)
    assert (again["status"], again["attempts"], len(again["attempts_log"])) == ("pending", 9, 9)
    failing = failing_now_of(hooks, webhook_id)
    assert failing is not None
    assert failing.count == 1
    wait = moment(again["next_attempt_at"]) - hooks.clock.now
    assert timedelta(seconds=4.5) <= wait <= timedelta(seconds=5.5)  # the schedule's first step


def turn_off(hooks: Hooks, webhook_id: int, reason: str | None) -> None:
    with hooks.database.session() as db:
        webhook = db.get(Webhook, webhook_id)
        assert webhook is not None
        webhook.enabled, webhook.disabled_reason = False, reason
        db.commit()


def test_a_webhook_that_is_off_refuses_resend_and_says_why(hooks: Hooks) -> None:
    webhook_id = failed_delivery(hooks)
    turn_off(hooks, webhook_id, "the receiver answered 410 Gone at 2026-12-04 10:00 UTC")
    (item,) = hooks.world.owner.client.get(url(hooks, webhook_id, "/deliveries")).json()["items"]
    client = hooks.world.owner.client

    one = client.post(url(hooks, webhook_id, f"/deliveries/{item['id']}/resend"))
    every = client.post(url(hooks, webhook_id, "/deliveries/resend"), json={})

    for refused in (one, every):
        assert refused.status_code == 409
        assert refused.json()["error"] == "webhook_disabled"
        assert "CRM is off (the receiver answered 410 Gone" in refused.json()["message"]
    assert only_delivery(hooks, webhook_id)["status"] == "failed"  # nothing changed


def test_a_webhook_turned_off_by_hand_refuses_retry_now(hooks: Hooks) -> None:
    webhook_id, before = failing_delivery(hooks)
    turn_off(hooks, webhook_id, None)
    client = hooks.world.owner.client

    one = client.post(url(hooks, webhook_id, f"/deliveries/{before['id']}/retry-now"))
    every = client.post(url(hooks, webhook_id, "/deliveries/retry-now"))

    for refused in (one, every):
        assert refused.status_code == 409
        assert "CRM is off (turned off by hand)" in refused.json()["message"]
    assert only_delivery(hooks, webhook_id)["next_attempt_at"] == before["next_attempt_at"]


def test_outsiders_cannot_retry_now(hooks: Hooks) -> None:
    webhook_id, before = failing_delivery(hooks, failures=1)
    path = url(hooks, webhook_id, f"/deliveries/{before['id']}/retry-now")
    assert hooks.world.outsider.client.post(path).status_code == 404
