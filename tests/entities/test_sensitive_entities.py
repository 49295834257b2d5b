"""A value that forwards every cookie (or all of a storage) is saved only with
``"confirm_sensitive": true``: otherwise a 422 at ``value`` saying what would reach the CRM."""

from __future__ import annotations

from typing import Any

import httpx

from dialtrail.entities.sensitive import COOKIES, refusal
from tests.support.people import World, declare_entity

WHOLE_COOKIE = {"name": "cookies", "type": "expression", "value": "document.cookie"}


def entities_url(world: World) -> str:
    return f"/api/v1/projects/{world.project_id}/tracking-entities"


def refused_at_value(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    [problem] = body["fields"]
    assert problem["field"] == "value"
    message: str = problem["message"]
    return message


def test_it_refuses_a_whole_cookie_value_without_confirmation(world: World) -> None:
    response = world.owner.client.post(entities_url(world), json=WHOLE_COOKIE)

    message = refused_at_value(response)
    assert "every cookie of the site (document.cookie)" in message
    assert "to your CRM" in message
    assert '"confirm_sensitive": true' in message
    assert response.json()["message"] == "value: " + refusal([COOKIES])  # as docs/ shows it
    assert world.owner.client.get(entities_url(world)).json()["items"] == []


def test_it_accepts_it_with_confirmation_and_does_not_ask_again(world: World) -> None:
    created = world.owner.client.post(
        entities_url(world), json={**WHOLE_COOKIE, "confirm_sensitive": True}
    )
    assert created.status_code == 201, created.text
    url = f"{entities_url(world)}/{created.json()['id']}"

    described = world.owner.client.patch(url, json={"description": "all of them, on purpose"})
    same_value = world.owner.client.patch(url, json={"value": " document.cookie "})

    assert described.status_code == 200, described.text
    assert same_value.status_code == 200, same_value.text
    assert "confirm_sensitive" not in created.json()


def test_a_change_to_another_wholesale_value_asks_again(world: World) -> None:
    entity = declare_entity(world, name="visit", value='cookie("visit")')
    url = f"{entities_url(world)}/{entity['id']}"

    refused = world.owner.client.patch(url, json={"value": "window.localStorage"})
    confirmed = world.owner.client.patch(
        url, json={"value": "window.localStorage", "confirm_sensitive": True}
    )

    assert "everything the site keeps in localStorage" in refused_at_value(refused)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["value"] == "window.localStorage"


def test_a_simple_entity_and_raw_javascript_are_checked_too(world: World) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    assert world.owner.client.patch(project, json={"allow_raw_js": True}).status_code == 200
    simple = {"name": "jar", "type": "simple", "value": "window.document.cookie"}
    raw = {"name": "jar", "type": "expression", "value": "js:document.cookie.split('; ')"}

    assert "document.cookie" in refused_at_value(
        world.owner.client.post(entities_url(world), json=simple)
    )
    assert "document.cookie" in refused_at_value(
        world.owner.client.post(entities_url(world), json=raw)
    )


def test_one_cookie_needs_no_confirmation(world: World) -> None:
    response = world.owner.client.post(
        entities_url(world), json={"name": "ga", "type": "expression", "value": 'cookie("_ga")'}
    )

    assert response.status_code == 201, response.text
