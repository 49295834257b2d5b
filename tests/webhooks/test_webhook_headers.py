"""Extra headers: sealed in the database, masked in every answer, kept when sent back masked."""

from __future__ import annotations

from sqlalchemy import select

from dialtrail.webhooks.models import Webhook
from tests.support.databases import Database
from tests.support.people import World
from tests.support.webhooks import create_webhook, webhooks_url

TOKEN = "Bearer crm-token-0123456789"


def stored_headers(database: Database, webhook_id: int) -> dict[str, str]:
    with database.session() as session:
        headers = session.scalar(select(Webhook.headers).where(Webhook.id == webhook_id))
        return dict(headers or {})


def test_it_masks_header_values_after_saving(world: World) -> None:
    created = create_webhook(world, headers={"Authorization": TOKEN, "X-Short": "abc"})

    assert created["headers"] == {"Authorization": "••••6789", "X-Short": "••••"}
    shown = world.member.client.get(f"{webhooks_url(world)}/{created['id']}").json()
    assert shown["headers"] == created["headers"]
    listed = world.member.client.get(webhooks_url(world)).json()["items"][0]
    assert listed["headers"] == created["headers"]


def test_it_stores_header_values_sealed(world: World, database: Database) -> None:
    created = create_webhook(world, headers={"Authorization": TOKEN})

    stored = stored_headers(database, created["id"])
    assert list(stored) == ["Authorization"]
    assert "crm-token" not in stored["Authorization"]


def test_a_masked_value_sent_back_keeps_the_stored_one(world: World, database: Database) -> None:
    created = create_webhook(world, headers={"Authorization": TOKEN, "X-Short": "abc"})
    url = f"{webhooks_url(world)}/{created['id']}"
    before = stored_headers(database, created["id"])

    # What a UI does: send back what it was shown, plus a new header.
    headers = {**created["headers"], "X-Tenant": "acme"}
    changed = world.owner.client.patch(url, json={"headers": headers})

    assert changed.status_code == 200, changed.text
    after = stored_headers(database, created["id"])
    assert after["Authorization"] == before["Authorization"]
    assert after["X-Short"] == before["X-Short"]
    assert changed.json()["headers"] == {
        "Authorization": "••••6789",
        "X-Short": "••••",
        "X-Tenant": "••••",
    }


def test_a_new_value_replaces_and_a_left_out_header_is_removed(
    world: World, database: Database
) -> None:
    created = create_webhook(world, headers={"Authorization": TOKEN, "X-Old": "old-value"})
    url = f"{webhooks_url(world)}/{created['id']}"

    changed = world.owner.client.patch(url, json={"headers": {"Authorization": "Bearer new-0000"}})

    assert changed.json()["headers"] == {"Authorization": "••••0000"}
    assert list(stored_headers(database, created["id"])) == ["Authorization"]


def test_a_patch_without_headers_leaves_them_alone(world: World, database: Database) -> None:
    created = create_webhook(world, headers={"Authorization": TOKEN})
    before = stored_headers(database, created["id"])

    world.owner.client.patch(f"{webhooks_url(world)}/{created['id']}", json={"name": "x"})

    assert stored_headers(database, created["id"]) == before


def test_a_masked_value_that_does_not_match_is_refused(world: World) -> None:
    created = create_webhook(world, headers={"Authorization": TOKEN})
    url = f"{webhooks_url(world)}/{created['id']}"

    for headers in [{"Authorization": "••••1111"}, {"X-Other": "••••6789"}]:
        response = world.owner.client.patch(url, json={"headers": headers})
        assert response.status_code == 422
        field = next(iter(headers))
        assert response.json()["fields"][0]["field"] == f"headers.{field}"
        assert "masked value" in response.json()["fields"][0]["message"]
    assert world.owner.client.get(url).json()["headers"] == {"Authorization": "••••6789"}


def test_header_names_match_stored_ones_without_case(world: World, database: Database) -> None:
    created = create_webhook(world, headers={"Authorization": TOKEN})
    before = stored_headers(database, created["id"])

    changed = world.owner.client.patch(
        f"{webhooks_url(world)}/{created['id']}", json={"headers": {"authorization": "••••6789"}}
    )

    assert changed.json()["headers"] == {"authorization": "••••6789"}
    assert stored_headers(database, created["id"]) == {"authorization": before["Authorization"]}
