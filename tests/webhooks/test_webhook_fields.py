"""GET /projects/{id}/webhook-fields: the catalogue grouped, with this project's entities."""

from __future__ import annotations

from dialtrail.webhooks.catalogue import FIELDS
from tests.support.people import World, declare_entity


def fields_url(world: World) -> str:
    return f"/api/v1/projects/{world.project_id}/webhook-fields"


def test_it_lists_the_catalogue_grouped_with_the_projects_entities(world: World) -> None:
    declare_entity(world, name="visit_id")
    declare_entity(world, name="crm_lead", enabled=False)

    groups = world.member.client.get(fields_url(world)).json()["groups"]

    assert [(group["key"], group["title"]) for group in groups] == [
        ("call", "Call"),
        ("visit", "Visit"),
        ("project", "Project"),
        ("entity", "Tracking entities"),
    ]
    listed = [field["key"] for group in groups[:3] for field in group["fields"]]
    assert listed == [field.key for field in FIELDS]
    entities = [field["key"] for field in groups[3]["fields"]]
    assert entities == ["entity.visit_id", "entity.crm_lead"]


def test_each_field_has_a_type_description_example_and_operators(world: World) -> None:
    groups = world.owner.client.get(fields_url(world)).json()["groups"]
    by_key = {field["key"]: field for group in groups for field in group["fields"]}

    assert by_key["call.talk_seconds"] == {
        "key": "call.talk_seconds",
        "type": "integer",
        "description": "Seconds of conversation.",
        "example": 212,
        "operators": ["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "exists", "not_exists"],
    }
    assert by_key["call.is_first_call"]["example"] is True
    assert "contains" in by_key["visit.ga_client_id"]["operators"]
    assert all(field["description"] for field in by_key.values())


def test_another_projects_entities_are_not_listed(world: World) -> None:
    response = world.outsider.client.post(
        f"/api/v1/projects/{world.other_project_id}/tracking-entities",
        json={"name": "secret_id", "type": "simple", "value": "x"},
    )
    assert response.status_code == 201

    groups = world.owner.client.get(fields_url(world)).json()["groups"]

    assert groups[3]["fields"] == []
