"""GA4 (docs/integrations.md): a call becomes a Measurement Protocol event, delivered by the
webhook engine to a local receiver standing in for GA4's endpoint, and checked against the
protocol's documented rules (tests/support/analytics_protocols.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from dialtrail.webhooks.integrations import ga4
from dialtrail.webhooks.render import WebhookSpec
from tests.support.analytics_protocols import ga4_request
from tests.support.hooks import Hooks
from tests.support.people import World, declare_entity
from tests.webhooks.integrations_scene import ANALYTICS, visit_holding_the_number


def add_ga4(world: World, endpoint: str = "global", **fields: Any) -> httpx.Response:
    body = {
        "measurement_id": "G-K3Q9ZL2M7P",
        "api_secret": "s3cr3t-Api_Value",
        "endpoint": endpoint,
        **fields,
    }
    return world.owner.client.post(
        f"/api/v1/projects/{world.project_id}/integrations/ga4", json=body
    )


def test_a_completed_call_reaches_ga4_as_an_event_of_the_visitors_session(hooks: Hooks) -> None:
    declare_entity(hooks.world, name="visit_id", type="expression", value="r7k12_si")
    parameters = [
        {"name": "disposition", "value": "call.disposition"},
        {"name": "talk_seconds", "value": "call.talk_seconds"},
        {"name": "first_call", "value": "call.is_first_call"},
        {"name": "campaign", "value": "visit.utm_campaign"},
        {"name": "visit_id", "value": "entity.visit_id"},
        {"name": "source", "constant": "dialtrail"},
    ]
    created = add_ga4(hooks.world, hooks.receiver.url, parameters=parameters)
    assert created.status_code == 201, created.text
    assert created.json()["settings"]["api_secret"] == "••••alue"
    visit_holding_the_number(hooks)

    hooks.clock.advance(minutes=-3)  # the call started 3 minutes ago and has ended
    hooks.call(duration=95)
    assert hooks.deliver() == 1

    (received,) = hooks.receiver.received
    body = ga4_request(received, datetime.now(UTC))
    assert received.path == "/mp/collect"
    assert body["query"] == {"measurement_id": "G-K3Q9ZL2M7P", "api_secret": "s3cr3t-Api_Value"}
    assert body["client_id"] == ANALYTICS["ga_client_id"]
    (event,) = body["events"]
    assert event["name"] == "phone_call"
    assert event["params"] == {
        "session_id": "1764921600",
        "session_number": 3,
        "engagement_time_msec": 90_000,  # the talk time: 95 s less 5 s ringing
        "disposition": "answered",
        "talk_seconds": 90,
        "first_call": 1,
        "campaign": "winter",
        "source": "dialtrail",
    }  # visit_id: never seen in the visit, so left out rather than sent empty
    (delivery,) = hooks.deliveries()
    assert delivery.status == "delivered"
    (attempt,) = hooks.attempts()
    assert "s3cr3t" not in attempt.request_url
    assert "api_secret=%E2%80%A2" in attempt.request_url
    assert "webhook-signature" not in received.headers


def test_a_visit_without_a_ga_client_id_is_not_sent_and_the_log_says_why(hooks: Hooks) -> None:
    assert add_ga4(hooks.world, hooks.receiver.url).status_code == 201
    visit_holding_the_number(hooks, ga_client_id=None)

    hooks.call()
    hooks.deliver()

    assert hooks.receiver.received == []
    (delivery,) = hooks.deliveries()
    assert delivery.status == "dismissed"
    assert delivery.last_error == (
        "Not sent: the visit has no Google Analytics client id (no _ga cookie was seen)"
    )
    assert hooks.attempts() == []


def test_a_call_event_older_than_72_hours_is_not_sent(hooks: Hooks) -> None:
    assert add_ga4(hooks.world, hooks.receiver.url).status_code == 201
    visit_holding_the_number(hooks)
    hooks.call()

    hooks.clock.advance(hours=72, minutes=1)  # GA4 was unreachable, say: its first try now
    hooks.deliver()

    assert hooks.receiver.received == []
    (delivery,) = hooks.deliveries()
    assert delivery.status == "dismissed"
    assert delivery.last_error == (
        "Not sent: the call event is 72 hours old; GA4 accepts events up to 72 hours old"
    )


def test_a_call_event_within_72_hours_is_sent_with_its_own_time(hooks: Hooks) -> None:
    assert add_ga4(hooks.world, hooks.receiver.url).status_code == 201
    visit_holding_the_number(hooks)
    hooks.call()
    ended = hooks.event_time()

    hooks.clock.advance(hours=71)
    hooks.deliver()

    (received,) = hooks.receiver.received
    body = ga4_request(received, hooks.clock.now)
    assert abs(body["timestamp_micros"] - ended.timestamp() * 1_000_000) < 120_000_000


def test_the_test_send_goes_to_the_validation_endpoint(hooks: Hooks) -> None:
    created = add_ga4(hooks.world, hooks.receiver.url).json()
    hooks.receiver.default = hooks.receiver.default.__class__(
        body='{"validationMessages":[{"fieldPath":"events","description":"Event at index: [0] '
        'has invalid name [x].","validationCode":"NAME_INVALID"}]}'
    )
    url = f"/api/v1/projects/{hooks.world.project_id}/webhooks/{created['id']}/test"

    answer = hooks.world.owner.client.post(url, json={})

    assert answer.status_code == 200, answer.text
    (received,) = hooks.receiver.received
    ga4_request(received, datetime.now(UTC))
    assert received.path == "/debug/mp/collect"
    result = answer.json()
    assert "NAME_INVALID" in result["response"]["body"]
    assert "s3cr3t" not in result["request"]["url"]


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"event_name": "page_view"}, "event_name", "reserves the event name"),
        ({"event_name": "view_complete"}, "event_name", "reserves the event name"),
        ({"event_name": "notification_receive"}, "event_name", "reserves the event name"),
        ({"event_name": "2calls"}, "event_name", "starts with a letter"),
        ({"event_name": "phone call"}, "event_name", "starts with a letter"),
        ({"event_name": "google_call"}, "event_name", "starting with 'google_'"),
        ({"event_name": "c" * 41}, "event_name", "at most 40 characters"),
        (
            {"measurement_id": "UA-1234-1"},
            "measurement_id",
            "G- and 4 to 20 capital letters and digits",
        ),
        ({"endpoint": "mars"}, "endpoint", "server-side Tag Manager"),
        (
            {"parameters": [{"name": "session_id", "value": "visit.ga_session_id"}]},
            "parameters.0.name",
            "sends it itself",
        ),
        (
            {"parameters": [{"name": "ga_thing", "constant": "x"}]},
            "parameters.0.name",
            "starting with 'ga_'",
        ),
        (
            {"parameters": [{"name": "p" * 41, "constant": "x"}]},
            "parameters.0.name",
            "at most 40 characters",
        ),
        (
            {"parameters": [{"name": "note", "constant": "x" * 101}]},
            "parameters.0.constant",
            "at most 100 characters",
        ),
        (
            {"parameters": [{"name": f"p{index}", "constant": "x"} for index in range(23)]},
            "parameters.22",
            "at most 22 here",
        ),
        ({"events": ["call.answered"]}, "events.0", ""),
    ],
)
def test_ga4s_limits_are_enforced_on_save(
    world: World, fields: dict[str, Any], field: str, words: str
) -> None:
    response = add_ga4(world, **{"endpoint": "global", **fields})

    assert response.status_code == 422, response.text
    problems = {problem["field"]: problem["message"] for problem in response.json()["fields"]}
    assert field in problems, problems
    assert words in problems[field]
    listed = world.owner.client.get(f"/api/v1/projects/{world.project_id}/integrations")
    assert listed.json()["items"] == []


@pytest.mark.storage_agnostic
def test_22_parameters_are_accepted(world: World) -> None:
    parameters = [{"name": f"p{index}", "constant": "x"} for index in range(22)]

    assert add_ga4(world, "eu", parameters=parameters).status_code == 201


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("global", "https://www.google-analytics.com/mp/collect"),
        ("eu", "https://region1.google-analytics.com/mp/collect"),  # collected in the EU
    ],
)
def test_the_endpoint_setting_picks_googles_global_or_eu_server(
    world: World, endpoint: str, url: str
) -> None:
    created = add_ga4(world, endpoint)

    assert created.status_code == 201, created.text
    assert created.json()["url"] == url
    assert created.json()["settings"]["endpoint"] == endpoint


@pytest.mark.storage_agnostic
def test_moving_the_endpoint_needs_the_api_secret_again(world: World) -> None:
    created = add_ga4(world, "global").json()
    url = f"/api/v1/projects/{world.project_id}/integrations/{created['id']}/ga4"

    moved = world.member.client.patch(url, json={"endpoint": "https://sgtm.example.net"})
    to_eu = world.member.client.patch(url, json={"endpoint": "eu"})  # also another server
    again = world.member.client.patch(
        url, json={"endpoint": "https://sgtm.example.net", "api_secret": "another-secret"}
    )

    assert moved.status_code == 422
    assert moved.json()["fields"][0]["field"] == "api_secret"
    assert to_eu.status_code == 422
    assert again.status_code == 200, again.text
    assert again.json()["url"] == "https://sgtm.example.net/mp/collect"


@pytest.mark.storage_agnostic
def test_a_long_value_of_the_call_is_cut_to_ga4s_100_characters_and_yes_no_is_1_or_0() -> None:
    spec = WebhookSpec(
        url="https://www.google-analytics.com/mp/collect",
        kind="ga4",
        settings={"measurement_id": "G-K3Q9ZL2M7P", "api_secret": "s3cr3t", "endpoint": "global",
                  "event_name": "phone_call"},
        parameters=[{"name": "page", "value": "visit.page_url"},
                    {"name": "first_call", "value": "call.is_first_call"},
                    {"name": "campaign", "value": "visit.utm_campaign"}],
    )  # fmt: skip
    now = datetime.now(UTC)
    data = {"visit": {"ga_client_id": "1.2", "page_url": "https://shop.example/" + "p" * 200},
            "call": {"is_first_call": False}}  # fmt: skip

    request = ga4.render(spec, "call.completed", now, data, now)

    params = json.loads(request.body)["events"][0]["params"]
    assert params["page"] == ("https://shop.example/" + "p" * 200)[:100]
    assert params["first_call"] == 0
    assert "campaign" not in params  # missing from the visit: left out (GA4 has no null)
