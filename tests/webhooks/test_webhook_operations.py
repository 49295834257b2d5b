"""The error page's operations through the API: deliveries and attempts, resend, dismiss,
preview, test send and secret rotation."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook as StandardWebhook

from dialtrail.secrets import SecretBox
from dialtrail.webhooks.models import Webhook
from tests.support.hooks import Hooks
from tests.support.people import declare_entity
from tests.support.receiver import Answer


def url(hooks: Hooks, webhook_id: int, rest: str = "") -> str:
    return f"/api/v1/projects/{hooks.world.project_id}/webhooks/{webhook_id}{rest}"


def failed_delivery(hooks: Hooks, calls: tuple[str, ...] = ("CA1",), **webhook: Any) -> int:
    """A webhook whose deliveries (one per call) failed after every retry."""
    webhook_id, _ = hooks.webhook(**webhook)
    for call in calls:
        hooks.call(call)
    hooks.receiver.default = Answer(500, "crm down")
    for _ in range(8):
        hooks.deliver()
        hooks.clock.advance(hours=11)
    hooks.receiver.default = Answer(200, "ok")
    return webhook_id


def test_the_error_page_lists_failed_deliveries_with_their_attempts(hooks: Hooks) -> None:
    webhook_id = failed_delivery(hooks)
    client = hooks.world.member.client

    listed = client.get(url(hooks, webhook_id, "/deliveries"), params={"status": "failed"})
    (item,) = listed.json()["items"]
    detail = client.get(url(hooks, webhook_id, f"/deliveries/{item['id']}")).json()

    assert (item["status"], item["attempts"], item["last_status_code"]) == ("failed", 8, 500)
    assert [a["status_code"] for a in detail["attempts_log"]] == [500] * 8
    assert detail["attempts_log"][0]["response_body"] == "crm down"
    assert (
        client.get(url(hooks, webhook_id, "/deliveries"), params={"status": "pending"}).json()[
            "items"
        ]
        == []
    )


def test_a_resent_delivery_arrives_with_the_same_webhook_id(hooks: Hooks) -> None:
    webhook_id = failed_delivery(hooks)
    (item,) = hooks.world.owner.client.get(url(hooks, webhook_id, "/deliveries")).json()["items"]

    resent = hooks.world.member.client.post(
        url(hooks, webhook_id, f"/deliveries/{item['id']}/resend")
    )
    assert (resent.status_code, resent.json()["status"]) == (200, "pending")
    hooks.deliver()

    last = hooks.receiver.received[-1]
    assert last.headers["webhook-id"] == item["webhook_id_header"]
    assert hooks.deliveries()[0].status == "delivered"
    again = hooks.world.member.client.post(
        url(hooks, webhook_id, f"/deliveries/{item['id']}/dismiss")
    )
    assert again.status_code == 409


def test_all_failed_deliveries_can_be_resent_or_dismissed_at_once(hooks: Hooks) -> None:
    webhook_id = failed_delivery(hooks, ("CA1", "CA2"))
    client = hooks.world.owner.client

    later = (hooks.clock.now + timedelta(days=1)).isoformat()
    none = client.post(url(hooks, webhook_id, "/deliveries/dismiss"), json={"since": later})
    everything = client.post(url(hooks, webhook_id, "/deliveries/resend"), json={})
    assert (none.json(), everything.json()) == ({"count": 0}, {"count": 2})
    assert client.post(url(hooks, webhook_id, "/deliveries/dismiss"), json={}).json() == {
        "count": 0
    }
    assert [d.status for d in hooks.deliveries()] == ["pending", "pending"]


def test_preview_renders_a_sample_or_a_stored_call_without_sending(hooks: Hooks) -> None:
    parameters = [
        {"name": "who", "value": "call.caller"},
        {"name": "ga", "value": "visit.ga_client_id"},
    ]
    webhook_id, _ = hooks.webhook(parameters=parameters, headers={"Authorization": "Bearer s3cret"})
    hooks.call()
    call_id = hooks.deliveries()[0].call_id
    client = hooks.world.member.client

    sample = client.post(url(hooks, webhook_id, "/preview"), json={}).json()
    stored = client.post(url(hooks, webhook_id, "/preview"), json={"call_id": call_id}).json()
    foreign = client.post(url(hooks, webhook_id, "/preview"), json={"call_id": 999999})

    assert json.loads(sample["body"]) == {"who": "+14155550100", "ga": "123.456"}
    assert json.loads(stored["body"]) == {"who": "+380671234567", "ga": None}
    assert stored["headers"]["Authorization"] == "••••cret"  # as the webhook API masks it
    assert stored["headers"]["webhook-id"].startswith("msg_preview_")
    assert stored["headers"]["webhook-signature"].startswith("v1,")
    assert stored["headers"]["User-Agent"].startswith("Dialtrail-Webhooks/")
    assert foreign.status_code == 422
    assert hooks.receiver.received == []


def test_test_send_shows_the_exact_request_and_the_answer(hooks: Hooks) -> None:
    webhook_id, secret = hooks.webhook(method="PUT")
    hooks.receiver.answer(Answer(201, '{"crm_id": 77}', {"X-Crm": "yes"}))

    result = hooks.world.owner.client.post(url(hooks, webhook_id, "/test"), json={}).json()

    (received,) = hooks.receiver.received
    assert result["error"] is None
    assert result["request"]["method"] == "PUT"
    assert result["request"]["headers"]["webhook-id"] == received.headers["webhook-id"]
    assert result["request"]["body"].encode() == received.body
    assert (result["response"]["status_code"], result["response"]["body"]) == (
        201,
        '{"crm_id": 77}',
    )
    assert result["response"]["headers"]["x-crm"] == "yes"
    assert (
        StandardWebhook(secret).verify(received.body, received.headers)["type"] == "call.completed"
    )
    assert hooks.deliveries() == []  # a test is not a delivery


def test_test_send_reports_an_unreachable_receiver(hooks: Hooks) -> None:
    webhook_id, _ = hooks.webhook(url="http://127.0.0.1:9/hook")
    result = hooks.world.owner.client.post(url(hooks, webhook_id, "/test"), json={}).json()
    assert result["response"] is None
    assert "Cannot connect to host 127.0.0.1:9" in result["error"]


def test_after_a_rotation_both_secrets_verify_for_a_day(hooks: Hooks) -> None:
    webhook_id, old = hooks.webhook()
    rotated = hooks.world.owner.client.post(url(hooks, webhook_id, "/rotate-secret")).json()
    new = rotated["secret"]
    hooks.call()
    hooks.deliver()

    (received,) = hooks.receiver.received
    assert new.startswith("whsec_")
    assert new != old
    assert StandardWebhook(new).verify(received.body, received.headers)
    assert StandardWebhook(old).verify(received.body, received.headers)
    assert len(received.headers["webhook-signature"].split()) == 2


def test_outsiders_see_no_deliveries(hooks: Hooks) -> None:
    webhook_id, _ = hooks.webhook()
    outsider = hooks.world.outsider.client
    assert outsider.get(url(hooks, webhook_id, "/deliveries")).status_code == 404
    assert outsider.post(url(hooks, webhook_id, "/rotate-secret")).status_code == 404
    assert hooks.world.anonymous.get(url(hooks, webhook_id, "/deliveries")).status_code == 401


def test_the_deliveries_list_filters_by_event_call_and_time(hooks: Hooks) -> None:
    webhook_id, _ = hooks.webhook(events=["call.started", "call.completed"])
    hooks.call("CA1")
    hooks.call("CA2")
    first, second, third, fourth = hooks.deliveries()
    deliveries = url(hooks, webhook_id, "/deliveries")

    def listed(**params: str) -> list[int]:
        response = hooks.world.member.client.get(deliveries, params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    after_first = (first.created_at + timedelta(microseconds=1)).isoformat()
    assert listed(event="call.started") == [third.id, first.id]
    assert listed(call_id=str(third.call_id)) == [fourth.id, third.id]
    assert listed(since=after_first) == [fourth.id, third.id, second.id]
    assert listed(until=after_first) == [first.id]
    assert listed(event="call.completed", call_id=str(first.call_id)) == [second.id]


def test_a_time_without_its_offset_or_out_of_range_is_refused(hooks: Hooks) -> None:
    webhook_id, _ = hooks.webhook()
    deliveries = url(hooks, webhook_id, "/deliveries")

    listed = hooks.world.owner.client.get(deliveries, params={"since": "2026-11-27T10:00"})
    too_late = hooks.world.owner.client.get(deliveries, params={"until": "9999-12-31T23:59-05:00"})
    dismissed = hooks.world.owner.client.post(
        f"{deliveries}/dismiss", json={"since": "2026-11-27T10:00"}
    )

    for response in (listed, dismissed):
        assert response.status_code == 422
        assert [problem["field"] for problem in response.json()["fields"]] == ["since"]
    assert too_late.status_code == 422
    assert too_late.json()["fields"][0]["message"] == "a time between the years 1 and 9999 in UTC"


def test_a_secret_sealed_under_another_server_key_is_a_409_that_says_so(hooks: Hooks) -> None:
    webhook_id, _ = hooks.webhook()
    with hooks.database.session() as session:
        stored = session.get(Webhook, webhook_id)
        assert stored is not None
        stored.secret = SecretBox("another-server-key-of-at-least-32-chars").seal("whsec_x")
        session.commit()

    answer = hooks.world.owner.client.post(url(hooks, webhook_id, "/test"), json={})

    assert answer.status_code == 409, answer.text
    assert hooks.receiver.received == []  # nothing went out unsigned
    assert answer.json()["error"] == "unreadable_secret"
    assert "DIALTRAIL_SECRET_KEY has changed" in answer.json()["message"]


def test_a_sample_preview_leaves_a_disabled_entity_empty_as_a_send_would(hooks: Hooks) -> None:
    declare_entity(hooks.world, name="visit_id")
    declare_entity(hooks.world, name="old_id", enabled=False)
    parameters = [
        {"name": "visit", "value": "entity.visit_id"},
        {"name": "old", "value": "entity.old_id"},
    ]
    webhook_id, _ = hooks.webhook(parameters=parameters)

    sample = hooks.world.member.client.post(url(hooks, webhook_id, "/preview"), json={}).json()

    assert json.loads(sample["body"]) == {"visit": "example-visit_id", "old": None}
