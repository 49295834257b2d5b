"""Who may see and change webhooks: owners, members and superusers; nobody else."""

from __future__ import annotations

from tests.support.databases import Database
from tests.support.people import World
from tests.support.webhooks import create_webhook, webhook_body, webhook_count, webhooks_url


def test_a_member_may_manage_webhooks(world: World) -> None:
    created = world.member.client.post(webhooks_url(world), json=webhook_body())
    url = f"{webhooks_url(world)}/{created.json()['id']}"

    changed = world.member.client.patch(url, json={"enabled": False})
    deleted = world.member.client.delete(url)

    assert (created.status_code, changed.status_code, deleted.status_code) == (201, 200, 204)


def test_a_superuser_may_manage_any_projects_webhooks(world: World) -> None:
    created = world.superuser.client.post(webhooks_url(world), json=webhook_body())
    assert created.status_code == 201, created.text
    listed = world.superuser.client.get(webhooks_url(world))
    assert [item["id"] for item in listed.json()["items"]] == [created.json()["id"]]


def test_an_outsider_gets_404_and_changes_nothing(world: World, database: Database) -> None:
    created = create_webhook(world)
    url = f"{webhooks_url(world)}/{created['id']}"
    client = world.outsider.client

    answers = [
        client.get(webhooks_url(world)),
        client.post(webhooks_url(world), json=webhook_body()),
        client.get(url),
        client.patch(url, json={"name": "mine"}),
        client.delete(url),
        client.get(f"/api/v1/projects/{world.project_id}/webhook-fields"),
    ]

    assert [answer.status_code for answer in answers] == [404] * 6
    assert webhook_count(database) == 1
    assert world.owner.client.get(url).json()["name"] == "CRM"


def test_it_requires_a_token(world: World) -> None:
    created = create_webhook(world)
    url = f"{webhooks_url(world)}/{created['id']}"
    client = world.anonymous

    answers = [
        client.get(webhooks_url(world)),
        client.post(webhooks_url(world), json=webhook_body()),
        client.get(url),
        client.patch(url, json={"name": "mine"}),
        client.delete(url),
        client.get(f"/api/v1/projects/{world.project_id}/webhook-fields"),
    ]

    assert [answer.status_code for answer in answers] == [401] * 6
