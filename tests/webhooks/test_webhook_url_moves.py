"""A webhook whose URL moves to another origin (scheme, host or port): the stored header
values and the signing secret were chosen for the old receiver, so they are not sent to the
new one unless the same request gives the values again (docs/webhooks.md, "Who may change
what")."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialtrail.webhooks.models import Webhook
from tests.support.databases import Database
from tests.support.people import World
from tests.support.receiver import receiving
from tests.support.webhook_pages import BOX
from tests.support.webhooks import create_webhook, webhooks_url

TOKEN = "Bearer crm-token-0123456789"
OLD_URL = "https://crm.example.com/hooks/dialtrail"


def stored(database: Database, webhook_id: int) -> Webhook:
    with database.session() as session:
        webhook = session.scalar(select(Webhook).where(Webhook.id == webhook_id))
        assert webhook is not None
        session.expunge(webhook)
        return webhook


@pytest.mark.parametrize(
    "new_url",
    [
        "https://attacker.example.net/hooks/dialtrail",  # host
        "http://crm.example.com/hooks/dialtrail",  # scheme
        "https://crm.example.com:8443/hooks/dialtrail",  # port
    ],
)
def test_it_drops_stored_header_values_when_the_url_moves_to_another_origin(
    world: World, database: Database, new_url: str
) -> None:
    created = create_webhook(world, url=OLD_URL, headers={"Authorization": TOKEN, "X-Key": "k1"})
    url = f"{webhooks_url(world)}/{created['id']}"

    changed = world.member.client.patch(url, json={"url": new_url})

    assert changed.status_code == 200, changed.text
    answer = changed.json()
    assert answer["headers"] == {}
    assert answer["dropped_headers"] == ["Authorization", "X-Key"]
    assert any("Authorization, X-Key" in notice for notice in answer["notices"])
    assert stored(database, created["id"]).headers == {}


def test_a_masked_value_sent_back_with_another_origin_is_dropped(
    world: World, database: Database
) -> None:
    """What a form does: it posts back what it was shown, masked."""
    created = create_webhook(world, url=OLD_URL, headers={"Authorization": TOKEN})
    url = f"{webhooks_url(world)}/{created['id']}"

    body = {"url": "https://attacker.example.net/", "headers": created["headers"]}
    changed = world.member.client.patch(url, json=body)

    assert changed.status_code == 200, changed.text
    assert changed.json()["dropped_headers"] == ["Authorization"]
    assert stored(database, created["id"]).headers == {}


def test_values_given_again_with_the_new_origin_are_kept(world: World, database: Database) -> None:
    created = create_webhook(world, url=OLD_URL, headers={"Authorization": TOKEN, "X-Key": "k1"})
    url = f"{webhooks_url(world)}/{created['id']}"

    body = {
        "url": "https://crm2.example.com/hook",
        "headers": {"Authorization": "Bearer new-token-9999", "X-Key": created["headers"]["X-Key"]},
    }
    changed = world.owner.client.patch(url, json=body).json()

    assert changed["headers"] == {"Authorization": "••••9999"}
    assert changed["dropped_headers"] == ["X-Key"]
    kept = stored(database, created["id"]).headers
    assert BOX.open(kept["Authorization"]) == "Bearer new-token-9999"


@pytest.mark.parametrize(
    "new_url",
    [
        "https://crm.example.com/another/path?x=1",
        "https://CRM.example.com:443/hooks/dialtrail",  # same origin, spelt otherwise
    ],
)
def test_the_same_origin_keeps_headers_and_secret(
    world: World, database: Database, new_url: str
) -> None:
    created = create_webhook(world, url=OLD_URL, headers={"Authorization": TOKEN})
    before = stored(database, created["id"])

    changed = world.member.client.patch(
        f"{webhooks_url(world)}/{created['id']}", json={"url": new_url}
    ).json()

    assert changed["headers"] == {"Authorization": "••••6789"}
    assert (changed["dropped_headers"], changed["notices"], changed["secret"]) == ([], [], None)
    after = stored(database, created["id"])
    assert (after.headers, after.secret) == (before.headers, before.secret)


def test_another_origin_gets_a_new_secret_and_the_old_one_stops_signing(
    world: World, database: Database
) -> None:
    created = create_webhook(world, url=OLD_URL)
    url = f"{webhooks_url(world)}/{created['id']}"
    rotated = world.owner.client.post(f"{url}/rotate-secret")
    assert rotated.status_code == 200, rotated.text

    changed = world.member.client.patch(url, json={"url": "https://attacker.example.net/"}).json()

    secret = changed["secret"]
    assert secret.startswith("whsec_")
    assert secret not in (
        created["secret"],
        rotated.json()["secret"],
    )
    after = stored(database, created["id"])
    assert BOX.open(after.secret) == secret
    assert (after.previous_secret, after.previous_secret_until) == (None, None)
    assert any("new signing secret" in notice for notice in changed["notices"])


def test_a_test_send_after_a_move_does_not_carry_the_owners_header(
    world: World, database: Database
) -> None:
    """The fault: a member moved the URL to a server of theirs and pressed Test send."""
    with receiving() as owners, receiving() as members:
        created = create_webhook(world, url=owners.url + "/hook", headers={"Authorization": TOKEN})
        url = f"{webhooks_url(world)}/{created['id']}"
        moved = world.member.client.patch(url, json={"url": members.url + "/hook"})
        assert moved.status_code == 200, moved.text

        sent = world.member.client.post(f"{url}/test", json={})

        assert sent.status_code == 200, sent.text
        (request,) = members.received
        assert "authorization" not in request.headers
        assert "crm-token" not in str(request.headers)
        assert owners.received == []
