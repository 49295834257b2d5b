"""Renaming or deleting a tracking entity that webhooks use: 409 naming them, unless forced."""

from __future__ import annotations

from typing import Any

from tests.support.people import World, declare_entity
from tests.support.webhooks import create_webhook, webhooks_url


def entity_url(world: World, entity: dict[str, Any]) -> str:
    return f"/api/v1/projects/{world.project_id}/tracking-entities/{entity['id']}"


def webhooks_using_visit_id(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    mapped = create_webhook(
        world, name="CRM", parameters=[{"name": "visit id", "value": "entity.visit_id"}]
    )
    filtered = create_webhook(
        world,
        name="Sheet",
        filters=[
            {"field": "call.disposition", "op": "eq", "value": "answered"},
            {"field": "entity.visit_id", "op": "exists"},
        ],
    )
    create_webhook(
        world, name="Unrelated", parameters=[{"name": "ga", "value": "visit.ga_client_id"}]
    )
    return mapped, filtered


def test_deleting_a_used_entity_is_refused_naming_the_webhooks(world: World) -> None:
    entity = declare_entity(world, name="visit_id")
    mapped, filtered = webhooks_using_visit_id(world)

    response = world.member.client.delete(entity_url(world, entity))

    assert response.status_code == 409
    assert response.json()["error"] == "entity_in_use"
    message = response.json()["message"]
    assert f"webhook {mapped['id']} 'CRM' (parameters.0.value)" in message
    assert f"webhook {filtered['id']} 'Sheet' (filters.1.field)" in message
    assert "Unrelated" not in message
    assert "?force=true" in message
    assert world.owner.client.get(entity_url(world, entity)).status_code == 200


def test_renaming_a_used_entity_is_refused_naming_the_webhooks(world: World) -> None:
    entity = declare_entity(world, name="visit_id")
    mapped, _ = webhooks_using_visit_id(world)

    response = world.owner.client.patch(entity_url(world, entity), json={"name": "visit"})

    assert response.status_code == 409
    assert response.json()["fields"][0]["field"] == "name"
    assert f"webhook {mapped['id']} 'CRM'" in response.json()["message"]
    assert world.owner.client.get(entity_url(world, entity)).json()["name"] == "visit_id"


def test_other_changes_to_a_used_entity_go_through(world: World) -> None:
    entity = declare_entity(world, name="visit_id")
    webhooks_using_visit_id(world)

    response = world.owner.client.patch(
        entity_url(world, entity), json={"name": "visit_id", "description": "for the CRM"}
    )

    assert response.status_code == 200, response.text


def test_force_deletes_and_the_webhooks_keep_the_stale_key(world: World) -> None:
    entity = declare_entity(world, name="visit_id")
    mapped, _ = webhooks_using_visit_id(world)

    response = world.owner.client.delete(f"{entity_url(world, entity)}?force=true")

    assert response.status_code == 204
    url = f"{webhooks_url(world)}/{mapped['id']}"
    kept = world.owner.client.get(url).json()
    assert kept["parameters"] == [{"name": "visit id", "value": "entity.visit_id"}]
    # The webhook can still be switched off or renamed without fixing the mapping first...
    assert world.owner.client.patch(url, json={"enabled": False}).status_code == 200
    # ...but saving the stale mapping again says what is wrong.
    again = world.owner.client.patch(url, json={"parameters": kept["parameters"]})
    assert again.status_code == 422
    assert again.json()["fields"][0]["field"] == "parameters.0.value"


def test_force_renames(world: World) -> None:
    entity = declare_entity(world, name="visit_id")
    webhooks_using_visit_id(world)

    response = world.owner.client.patch(
        f"{entity_url(world, entity)}?force=true", json={"name": "visit"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "visit"


def test_an_unused_entity_is_deleted_without_force(world: World) -> None:
    entity = declare_entity(world, name="visit_id")
    create_webhook(world, parameters=[{"name": "ga", "value": "visit.ga_client_id"}])

    assert world.owner.client.delete(entity_url(world, entity)).status_code == 204
