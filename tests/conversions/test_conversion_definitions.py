"""Conversion definitions through the API: bad input is a 422 naming the field, a duplicate
name a 409, and nothing is stored for either."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conversions.conftest import define
from tests.support.people import World


def url(world: World) -> str:
    return f"/api/v1/projects/{world.project_id}/ads-conversions"


def listed(world: World) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.owner.client.get(url(world)).json()["items"]
    return items


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"name": ""}, "name", "at least 1"),
        ({"name": "x" * 101}, "name", "at most 100"),
        ({"name": "a\nb"}, "name", "one line"),
        ({"name": "=HYPERLINK(1)"}, "name", "may not start with '='"),
        ({"name": "Call", "value": "10", "currency": "EURO"}, "currency", "ISO 4217"),
        ({"name": "Call", "value": "10", "currency": "XYZ"}, "currency", "ISO 4217"),
        ({"name": "Call", "currency": "EUR"}, "currency", "needs a value"),
        ({"name": "Call", "value": -1}, "value", "greater than or equal"),
        ({"name": "Call", "value": 1.005}, "value", "decimal places"),
        ({"name": "Call", "value": "-1"}, "value", "not an amount such as 120.50"),
        ({"name": "Call", "value": "1.005"}, "value", "at most 2 decimals"),
        ({"name": "Call", "value": "ten"}, "value", "not an amount"),
        ({"name": "Call", "value": "120,50"}, "value", "a dot before at most 2 decimals"),
        ({"name": "Call", "value": "1,200"}, "value", "no thousands separator"),
        ({"name": "Call", "value": "$120"}, "value", "currency sign"),
        ({"name": "Call", "min_talk_seconds": -5}, "min_talk_seconds", "greater than"),
        ({"name": "Call", "answered": True}, "answered", "unknown field"),
    ],
)
def test_it_refuses_bad_definitions_naming_the_field(
    world: World, body: dict[str, Any], field: str, words: str
) -> None:
    response = world.owner.client.post(url(world), json=body)

    assert response.status_code == 422, response.text
    problems = response.json()["fields"]
    assert [problem["field"] for problem in problems] == [field]
    assert words.lower() in problems[0]["message"].lower()
    assert listed(world) == []


def test_a_name_is_taken_once_per_project_whatever_its_case(world: World) -> None:
    define(world, name="Phone call")

    response = world.owner.client.post(url(world), json={"name": "PHONE CALL"})

    assert response.status_code == 409
    assert response.json()["fields"][0]["field"] == "name"
    assert [item["name"] for item in listed(world)] == ["Phone call"]


def test_a_member_replaces_and_deletes_a_definition(world: World) -> None:
    created = define(world, name="Call", value=15, currency="usd")
    assert (created["value"], created["currency"]) == ("15", "USD")
    item = f"{url(world)}/{created['id']}"

    body = {"name": "Qualified call", "min_talk_seconds": 90}
    replaced = world.member.client.put(item, json=body)

    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["min_talk_seconds"] == 90
    assert replaced.json()["value"] is None
    assert world.member.client.delete(item).status_code == 204
    assert listed(world) == []
    assert world.member.client.delete(item).status_code == 404


def test_outsiders_see_no_definitions(world: World) -> None:
    created = define(world)

    assert world.outsider.client.get(url(world)).status_code == 404
    item = f"{url(world)}/{created['id']}"
    assert world.outsider.client.put(item, json={"name": "Mine"}).status_code == 404
    other = f"/api/v1/projects/{world.other_project_id}/ads-conversions/{created['id']}"
    assert world.outsider.client.put(other, json={"name": "Mine"}).status_code == 404
