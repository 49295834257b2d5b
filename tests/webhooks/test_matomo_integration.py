"""Matomo (docs/integrations.md): a call becomes an event of the visitor the script read from
_pk_id, through the tracking API, delivered by the webhook engine to a local receiver standing
in for matomo.php and checked against the API's documented rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.analytics_protocols import matomo_request
from tests.support.hooks import Hooks
from tests.support.people import World
from tests.webhooks.integrations_scene import ANALYTICS, visit_holding_the_number

TOKEN = "0123456789abcdef0123456789abcdef"


def add_matomo(
    world: World, url: str = "https://matomo.example.com", **fields: Any
) -> httpx.Response:
    body = {"url": url, "site_id": 3, "token_auth": TOKEN, **fields}
    return world.owner.client.post(
        f"/api/v1/projects/{world.project_id}/integrations/matomo", json=body
    )


def test_a_completed_call_reaches_matomo_as_an_event_of_the_visitor(hooks: Hooks) -> None:
    parameters = [
        {"name": "e_c", "constant": "Phone calls"},
        {"name": "e_a", "value": "call.disposition"},
        {"name": "e_n", "value": "call.tracking_number"},
        {"name": "e_v", "value": "call.talk_seconds"},
        {"name": "dimension4", "value": "visit.channel"},
    ]
    created = add_matomo(hooks.world, hooks.receiver.url + "/analytics/", parameters=parameters)
    assert created.status_code == 201, created.text
    assert created.json()["url"] == hooks.receiver.url + "/analytics/matomo.php"
    assert TOKEN not in created.text
    visit_holding_the_number(hooks, channel="Paid Search")
    hooks.clock.advance(minutes=-3)

    hooks.call(duration=65)
    assert hooks.deliver() == 1

    (received,) = hooks.receiver.received
    fields = matomo_request(received, datetime.now(UTC))
    assert received.method == "POST"
    assert TOKEN not in received.query
    assert (fields["idsite"], fields["_id"], fields["token_auth"]) == (
        "3",
        ANALYTICS["matomo_visitor_id"],
        TOKEN,
    )
    assert (fields["e_c"], fields["e_a"], fields["e_v"]) == ("Phone calls", "answered", "60")
    assert fields["e_n"] == "+380441112299"
    assert fields["dimension4"] == "Paid Search"
    assert (fields["_rcn"], fields["_rck"]) == ("winter", "plumber")
    ended = datetime.strptime(fields["cdt"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert abs(ended - hooks.event_time()) < timedelta(minutes=3)
    (attempt,) = hooks.attempts()
    assert TOKEN not in attempt.request_url


def test_a_call_delivered_days_later_is_backdated_with_the_token(hooks: Hooks) -> None:
    assert add_matomo(hooks.world, hooks.receiver.url).status_code == 201
    visit_holding_the_number(hooks)
    hooks.clock.advance(minutes=-3)
    started = hooks.event_time()
    hooks.call(duration=60)
    ended = started + timedelta(seconds=60)

    hooks.clock.advance(days=3)  # Matomo was down: retried for days, then delivered
    hooks.deliver()

    (received,) = hooks.receiver.received
    fields = matomo_request(received, hooks.clock.now)  # older than 24 h: needs token_auth
    backdated = datetime.strptime(fields["cdt"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert abs(backdated - ended) < timedelta(seconds=2)


@pytest.mark.parametrize(
    "parameters",
    [[], [{"name": "dimension1", "value": "visit.channel"}]],
    ids=["none", "a dimension only"],
)
def test_a_category_and_action_no_parameter_names_are_the_defaults(
    hooks: Hooks, parameters: list[dict[str, str]]
) -> None:
    added = add_matomo(hooks.world, hooks.receiver.url, parameters=parameters)
    assert added.status_code == 201, added.text
    visit_holding_the_number(hooks)

    hooks.call()
    assert hooks.deliver() == 1

    (received,) = hooks.receiver.received
    fields = matomo_request(received, datetime.now(UTC))
    assert (fields["e_c"], fields["e_a"]) == ("Phone calls", "answered")


def test_a_category_named_with_a_value_the_call_lacks_is_sent_as_none(hooks: Hooks) -> None:
    parameters = [{"name": "e_c", "value": "visit.utm_content"}]
    assert add_matomo(hooks.world, hooks.receiver.url, parameters=parameters).status_code == 201
    visit_holding_the_number(hooks)

    hooks.call()
    hooks.deliver()

    (received,) = hooks.receiver.received
    fields = matomo_request(received, datetime.now(UTC))
    assert (fields["e_c"], fields["e_a"]) == ("(none)", "answered")


@pytest.mark.parametrize("action", ["preview", "test"])
def test_the_preview_and_test_send_show_the_token_masked(hooks: Hooks, action: str) -> None:
    created = add_matomo(hooks.world, hooks.receiver.url).json()
    visit_holding_the_number(hooks)
    hooks.call()
    url = f"/api/v1/projects/{hooks.world.project_id}/webhooks/{created['id']}/{action}"

    answer = hooks.world.owner.client.post(url, json={})

    assert answer.status_code == 200, answer.text
    shown = answer.json()["body"] if action == "preview" else answer.json()["request"]["body"]
    assert TOKEN not in shown
    assert "token_auth=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2" in shown
    assert "_id=5f2c9a1e0b7d4c38" in shown
    if action == "test":  # the request sent carries the token itself
        (received,) = hooks.receiver.received
        assert matomo_request(received, datetime.now(UTC))["token_auth"] == TOKEN


def test_a_visit_without_a_matomo_visitor_id_is_not_sent(hooks: Hooks) -> None:
    assert add_matomo(hooks.world, hooks.receiver.url).status_code == 201
    visit_holding_the_number(hooks, matomo_visitor_id=None)

    hooks.call()
    hooks.deliver()

    assert hooks.receiver.received == []
    (delivery,) = hooks.deliveries()
    assert (delivery.status, delivery.last_error) == (
        "dismissed",
        "Not sent: the visit has no Matomo visitor id (no _pk_id cookie was seen)",
    )


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"parameters": [{"name": "category", "constant": "x"}]}, "parameters.0.name"),
        ({"parameters": [{"name": "dimension0", "constant": "x"}]}, "parameters.0.name"),
        ({"token_auth": "short"}, "token_auth"),
        ({"site_id": 0}, "site_id"),
        ({"url": "ftp://matomo.example.com"}, "url"),
    ],
)
def test_bad_matomo_settings_are_refused_naming_the_field(
    world: World, fields: dict[str, Any], field: str
) -> None:
    response = add_matomo(world, **fields)

    assert response.status_code == 422, response.text
    assert field in [problem["field"] for problem in response.json()["fields"]]
