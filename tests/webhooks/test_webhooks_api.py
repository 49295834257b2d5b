"""/api/v1/projects/{id}/webhooks: adding, listing, showing, changing and deleting webhooks."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from dialtrail.webhooks.models import Webhook
from tests.support.databases import Database
from tests.support.people import World, declare_entity
from tests.support.webhooks import (
    RECEIVER,
    create_webhook,
    webhook_body,
    webhook_count,
    webhooks_url,
)


def test_it_creates_a_webhook_with_the_defaults_of_design(world: World) -> None:
    created = create_webhook(world)

    assert {key: created[key] for key in ("name", "events", "url")} == {
        "name": "CRM",
        "events": ["call.completed"],
        "url": RECEIVER,
    }
    assert (created["method"], created["format"], created["date_format"]) == (
        "POST",
        "json",
        "iso8601",
    )
    assert (created["parameters"], created["headers"], created["filters"]) == ([], {}, [])
    assert created["enabled"] is True
    assert (created["disabled_reason"], created["failing_since"]) == (None, None)
    assert created["project_id"] == world.project_id
    assert created["created_at"] <= created["updated_at"]


def test_it_shows_a_standard_webhooks_secret_once(world: World) -> None:
    created = create_webhook(world)

    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 24
    url = f"{webhooks_url(world)}/{created['id']}"
    assert "secret" not in world.owner.client.get(url).json()
    # A PATCH answers a secret only when it made a new one (the URL moved to another origin).
    assert world.owner.client.patch(url, json={"name": "CRM 2"}).json()["secret"] is None
    assert all(
        "secret" not in item for item in world.owner.client.get(webhooks_url(world)).json()["items"]
    )
    assert create_webhook(world)["secret"] != secret


def test_it_keeps_the_secret_sealed_in_the_database(world: World, database: Database) -> None:
    created = create_webhook(world)
    with database.session() as session:
        stored = session.get(Webhook, created["id"])
        assert stored is not None
        assert created["secret"] not in stored.secret


def test_it_lists_shows_changes_and_deletes(world: World) -> None:
    first = create_webhook(world, name="first")
    second = create_webhook(world, name="second", events=["call.started", "call.answered"])
    url = f"{webhooks_url(world)}/{second['id']}"

    listed = world.member.client.get(webhooks_url(world)).json()
    assert [item["name"] for item in listed["items"]] == ["first", "second"]
    assert listed["limit_per_event"] == 40
    shown = world.member.client.get(url).json()
    assert shown["events"] == ["call.started", "call.answered"]

    changed = world.member.client.patch(url, json={"name": "renamed", "enabled": False})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["enabled"]) == ("renamed", False)
    assert changed.json()["url"] == RECEIVER  # what was not sent is unchanged
    assert world.member.client.get(url).json()["name"] == "renamed"

    assert world.member.client.delete(url).status_code == 204
    assert world.member.client.get(url).status_code == 404
    remaining = world.owner.client.get(webhooks_url(world)).json()["items"]
    assert [item["id"] for item in remaining] == [first["id"]]


def test_it_forces_query_for_get_when_format_is_left_out(world: World) -> None:
    created = create_webhook(world, method="GET")
    assert (created["method"], created["format"]) == ("GET", "query")

    url = f"{webhooks_url(world)}/{create_webhook(world, format='form')['id']}"
    changed = world.owner.client.patch(url, json={"method": "GET"})
    assert (changed.json()["method"], changed.json()["format"]) == ("GET", "query")

    explicit = world.owner.client.patch(url, json={"method": "GET", "format": "query"})
    assert explicit.status_code == 200, explicit.text


def test_it_refuses_get_with_an_explicit_body_format(world: World, database: Database) -> None:
    response = world.owner.client.post(
        webhooks_url(world), json=webhook_body(method="GET", format="json")
    )

    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["fields"]] == ["format"]
    assert "GET request has no body" in response.json()["message"]
    assert webhook_count(database) == 0


def test_a_null_puts_a_field_back_to_its_default(world: World) -> None:
    created = create_webhook(
        world,
        method="PUT",
        format="form",
        date_format="unix",
        parameters=[{"name": "a", "constant": "b"}],
        enabled=False,
    )
    url = f"{webhooks_url(world)}/{created['id']}"
    nulls = {
        "method": None,
        "format": None,
        "date_format": None,
        "parameters": None,
        "enabled": None,
    }

    changed = world.owner.client.patch(url, json=nulls).json()

    assert (changed["method"], changed["format"], changed["date_format"]) == (
        "POST",
        "json",
        "iso8601",
    )
    assert (changed["parameters"], changed["enabled"]) == ([], True)
    refused = world.owner.client.patch(url, json={"name": None, "url": None})
    assert refused.status_code == 422
    assert {p["field"] for p in refused.json()["fields"]} == {"name", "url"}


@pytest.mark.parametrize(
    "name",
    ["visit id", "ID визиту", "contact[phone]", "a&b=c", "100% sure", "visit_id", "Ga", "ga"],
)
def test_parameter_names_round_trip_unchanged(world: World, name: str) -> None:
    declare_entity(world, name="visit_id")
    parameters = [
        {"name": name, "value": "entity.visit_id"},
        {"name": name + "!", "constant": 7},
    ]

    created = create_webhook(world, parameters=parameters)

    assert created["parameters"] == parameters
    shown = world.owner.client.get(f"{webhooks_url(world)}/{created['id']}").json()
    assert shown["parameters"] == parameters


def test_parameter_names_are_case_sensitive_and_order_is_kept(world: World) -> None:
    parameters = [
        {"name": "ga", "value": "visit.ga_client_id"},
        {"name": "GA", "value": "visit.ga_client_id"},
        {"name": "source", "constant": "website"},
        {"name": "first", "constant": True},
        {"name": "weight", "constant": 1.5},
    ]

    assert create_webhook(world, parameters=parameters)["parameters"] == parameters


def test_filters_are_stored_with_datetimes_in_utc(world: World) -> None:
    filters = [
        {"field": "call.disposition", "op": "in", "value": ["answered", "voicemail"]},
        {"field": "call.talk_seconds", "op": "gte", "value": 30},
        {"field": "call.started_at", "op": "gt", "value": "2026-11-27T12:00:00+02:00"},
        {"field": "visit.gclid", "op": "exists"},
    ]

    created = create_webhook(world, filters=filters)

    assert created["filters"] == [
        filters[0],
        filters[1],
        {"field": "call.started_at", "op": "gt", "value": "2026-11-27T10:00:00Z"},
        {"field": "visit.gclid", "op": "exists", "value": None},
    ]


def test_turning_a_webhook_back_on_clears_why_dialtrail_disabled_it(
    world: World, database: Database
) -> None:
    created = create_webhook(world)
    with database.session() as session:
        stored = session.get(Webhook, created["id"])
        assert stored is not None
        stored.enabled = False
        stored.disabled_reason = "the receiver answered 410 Gone"
        stored.failing_since = datetime(2026, 11, 20, tzinfo=UTC)
        session.commit()
    url = f"{webhooks_url(world)}/{created['id']}"
    assert world.owner.client.get(url).json()["disabled_reason"] == "the receiver answered 410 Gone"

    changed = world.owner.client.patch(url, json={"enabled": True}).json()

    assert (changed["enabled"], changed["disabled_reason"], changed["failing_since"]) == (
        True,
        None,
        None,
    )


def test_it_answers_404_for_a_webhook_of_another_project(world: World) -> None:
    other = world.outsider.client.post(
        webhooks_url(world, world.other_project_id), json=webhook_body()
    )
    assert other.status_code == 201, other.text
    url = f"{webhooks_url(world)}/{other.json()['id']}"

    assert world.owner.client.get(url).status_code == 404
    assert world.owner.client.patch(url, json={"name": "x"}).status_code == 404
    assert world.owner.client.delete(url).status_code == 404
    assert world.owner.client.get(f"{webhooks_url(world)}/99999").status_code == 404
