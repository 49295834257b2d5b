"""At most 40 webhooks subscribed to any one event per project (docs/design.md §6)."""

from __future__ import annotations

from tests.support.databases import Database
from tests.support.people import World
from tests.support.webhooks import create_webhook, webhook_body, webhook_count, webhooks_url


def test_the_41st_webhook_for_an_event_is_refused_naming_the_event(
    world: World, database: Database
) -> None:
    for number in range(40):
        create_webhook(world, name=f"hook {number}", events=["call.completed"])

    refused = world.owner.client.post(
        webhooks_url(world), json=webhook_body(events=["call.started", "call.completed"])
    )

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "limit_reached"
    assert "call.completed" in refused.json()["message"]
    assert refused.json()["fields"][0]["field"] == "events.1"
    assert webhook_count(database) == 40
    other_event = world.owner.client.post(
        webhooks_url(world), json=webhook_body(events=["call.started"])
    )
    assert other_event.status_code == 201, other_event.text
    other_project = world.outsider.client.post(
        webhooks_url(world, world.other_project_id), json=webhook_body()
    )
    assert other_project.status_code == 201, other_project.text


def test_subscribing_an_existing_webhook_counts_too(world: World) -> None:
    for number in range(40):
        create_webhook(world, name=f"hook {number}", events=["call.answered"], enabled=False)
    spare = create_webhook(world, events=["call.started"])
    url = f"{webhooks_url(world)}/{spare['id']}"

    refused = world.owner.client.patch(url, json={"events": ["call.started", "call.answered"]})

    assert refused.status_code == 409
    assert "call.answered" in refused.json()["message"]
    assert world.owner.client.get(url).json()["events"] == ["call.started"]
    # Changing one of the forty itself is not "one more".
    first = world.owner.client.get(webhooks_url(world)).json()["items"][0]
    renamed = world.owner.client.patch(f"{webhooks_url(world)}/{first['id']}", json={"name": "x"})
    assert renamed.status_code == 200, renamed.text
