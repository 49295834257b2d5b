"""A webhook's secret (added, rotated) and its Preview / Test send: Post/Redirect/Get, so the
secret and the test's answer are shown once and a reload adds, rotates or sends nothing; the
preview shows the request exactly as sent, signed."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from dialtrail import __version__
from dialtrail.admin.models import AdminFlash
from dialtrail.secrets import SecretBox
from dialtrail.webhooks.models import Webhook
from dialtrail.webhooks.signing import signature
from tests.admin.conftest import SignedIn
from tests.support.admin import signed_in
from tests.support.databases import Database
from tests.support.people import World
from tests.support.receiver import Answer, Receiver
from tests.support.webhook_pages import (
    BOX,
    HOSTILE,
    SECRET,
    create_by_api,
    field_error,
    form,
    request_shown,
    webhooks,
)


def assert_signature_verifies(shown: str, webhook_id: int, database: Database) -> None:
    """The preview's webhook-signature is the one the webhook's secret makes for its id,
    timestamp and body: what a receiver would check."""
    head, body = shown.split("\n\n", 1)
    headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
    with database.session() as db:
        webhook = db.get(Webhook, webhook_id)
        assert webhook is not None
        secret = BOX.open(webhook.secret)
    expected = signature(
        secret, headers["webhook-id"], int(headers["webhook-timestamp"]), body.encode()
    )
    assert headers["webhook-signature"] == expected


def test_preview_shows_the_exact_request_signed_with_header_values_masked(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    parameters = [
        {"name": "visit id", "value": "entity.visit_id"},
        {"name": "source", "constant": "website"},
    ]
    created = create_by_api(world, parameters=parameters, headers={"X-Api-Key": "key-0123456789"})
    base = f"{owner.project}/webhooks/{created['id']}"

    page = owner.client.get(f"{base}/preview").text
    request = re.search(r'data-testid="request">(.*?)</pre>', page, re.S)

    assert request is not None
    shown = html.unescape(request.group(1))
    assert shown.startswith("POST http://127.0.0.1:9/hook\n")
    assert "X-Api-Key: ••••6789" in shown
    assert re.search(r"^Content-Type: application/json$", shown, re.M)
    assert re.search(r"^webhook-id: msg_preview_\S+$", shown, re.M)
    assert re.search(r"^webhook-timestamp: \d{10}$", shown, re.M)
    assert re.search(rf"^User-Agent: Dialtrail-Webhooks/{re.escape(__version__)}$", shown, re.M)
    assert_signature_verifies(shown, created["id"], database)
    assert "made at each send" in page
    assert json.loads(shown.split("\n\n", 1)[1]) == {
        "visit id": "example-visit_id",
        "source": "website",
    }
    assert "a sample call" in page
    missing = owner.client.get(f"{base}/preview", params={"call_id": "999"})
    assert missing.status_code == 422
    assert "no call 999" in field_error(missing.text, "call_id")
    posted = owner.post(f"{base}/preview", call_id="12")
    assert posted.headers["location"] == f"{base}/preview?call_id=12"


def test_a_test_send_shows_the_answer_as_text_once_and_a_reload_sends_nothing(
    world: World, owner: SignedIn, receiver: Receiver, visit_id: None
) -> None:
    created = create_by_api(world, url=receiver.url + "/hook", name=HOSTILE)
    receiver.answer(Answer(status=418, body=f"<h1>{HOSTILE}</h1>", headers={"X-Crm": "yes"}))
    base = f"{owner.project}/webhooks/{created['id']}"

    response = owner.post(f"{base}/test", call_id="")

    assert response.status_code == 303
    assert response.headers["location"] == f"{base}/preview?call_id="
    assert [request.path for request in receiver.received] == ["/hook"]
    sent = receiver.received[0].headers
    page = owner.client.get(response.headers["location"]).text
    assert 'data-testid="test-status"><strong class="bad">418</strong>' in page
    assert "x-crm: yes" in page
    assert "&lt;h1&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/h1&gt;" in page
    assert HOSTILE not in page
    shown = request_shown(page)
    assert f"webhook-id: {sent['webhook-id']}\n" in shown
    assert f"webhook-signature: {sent['webhook-signature']}\n" in shown
    reloaded = owner.client.get(response.headers["location"]).text
    assert 'data-testid="test-status"' not in reloaded
    assert "webhook-id: msg_preview_" in request_shown(reloaded)  # a preview again
    assert len(receiver.received) == 1


def test_a_test_send_to_nowhere_shows_the_error_after_the_redirect(
    world: World, owner: SignedIn, visit_id: None
) -> None:
    created = create_by_api(world, url="http://127.0.0.1:9/hook")
    base = f"{owner.project}/webhooks/{created['id']}"
    response = owner.post(f"{base}/test", call_id="")
    assert response.status_code == 303
    page = owner.client.get(response.headers["location"]).text
    assert 'data-testid="test-error"' in page
    # In words first; the client's own exception after, as a detail.
    assert 'data-testid="error-words">connection refused by 127.0.0.1:9<' in page
    assert 'data-testid="error-detail">ClientConnectorError: ' in page


@pytest.mark.storage_agnostic
def test_a_test_send_with_a_bad_call_is_refused_at_the_field_and_sends_nothing(
    world: World, owner: SignedIn, receiver: Receiver, visit_id: None
) -> None:
    created = create_by_api(world, url=receiver.url + "/hook")
    response = owner.post(f"{owner.project}/webhooks/{created['id']}/test", call_id="999")
    assert response.status_code == 422
    assert "no call 999" in field_error(response.text, "call_id")
    assert receiver.received == []


def test_what_a_test_send_keeps_for_its_page_is_bounded(
    world: World, owner: SignedIn, receiver: Receiver, database: Database, visit_id: None
) -> None:
    parameters = [{"name": "note", "constant": "x" * 2000}] + [
        {"name": f"p{index}", "constant": "y" * 1500} for index in range(20)
    ]
    created = create_by_api(world, url=receiver.url + "/hook", parameters=parameters)
    many = {f"X-Header-{index}": "z" * 600 for index in range(80)}
    receiver.answer(Answer(status=200, body="ok", headers=many))
    base = f"{owner.project}/webhooks/{created['id']}"

    response = owner.post(f"{base}/test", call_id="")
    with database.session() as db:
        [sealed] = db.scalars(select(AdminFlash.sealed_value)).all()

    assert len(receiver.received[0].body) > 30_000
    assert len(BOX.open(sealed)) < 50_000
    page = owner.client.get(response.headers["location"]).text
    assert "more characters not shown" in request_shown(page)
    assert 40 < page.count("x-header-") <= 50  # of 80 (and the usual few)


def test_rotating_the_secret_shows_the_new_one_once_after_a_redirect(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world)
    base = f"{owner.project}/webhooks/{created['id']}"

    response = owner.post(f"{base}/rotate-secret")

    assert response.status_code == 303
    assert response.headers["location"] == base
    first = owner.client.get(base).text
    fresh = SECRET.search(first)
    assert fresh is not None
    assert "The new signing secret" in first
    assert "The previous secret signs too until" in first
    with database.session() as db:
        webhook = db.get(Webhook, created["id"])
        assert webhook is not None
        assert BOX.open(webhook.secret) == fresh.group(1)
        assert webhook.previous_secret is not None
    reloaded = owner.client.get(base).text
    assert fresh.group(1) not in reloaded
    assert 'data-testid="secret-box"' not in reloaded
    with database.session() as db:
        webhook = db.get(Webhook, created["id"])
        assert webhook is not None
        assert BOX.open(webhook.secret) == fresh.group(1)  # rotated once, not on the reload


def test_adding_a_webhook_redirects_and_a_reload_neither_shows_the_secret_nor_adds_another(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    response = owner.post(f"{owner.project}/webhooks/new", **form())

    assert response.status_code == 303
    [stored] = webhooks(world)
    assert response.headers["location"] == f"{owner.project}/webhooks/{stored['id']}"
    other = create_by_api(world, name="Other")
    # Another webhook's page does not use up this one's secret.
    assert SECRET.search(owner.client.get(f"{owner.project}/webhooks/{other['id']}").text) is None
    first = owner.client.get(response.headers["location"])
    secret = SECRET.search(first.text)
    assert secret is not None
    with database.session() as db:
        webhook = db.get(Webhook, stored["id"])
        assert webhook is not None
        assert BOX.open(webhook.secret) == secret.group(1)
    reloaded = owner.client.get(response.headers["location"])
    assert reloaded.status_code == 200
    assert secret.group(1) not in reloaded.text
    assert 'data-testid="secret-box"' not in reloaded.text
    assert [hook["name"] for hook in webhooks(world)] == ["CRM", "Other"]


def test_the_secret_is_shown_only_to_the_sign_in_that_added_the_webhook(
    world: World, owner: SignedIn, visit_id: None
) -> None:
    response = owner.post(f"{owner.project}/webhooks/new", **form())
    other_client, _ = signed_in(world.base_url, world.owner.email)
    try:
        page = other_client.get(response.headers["location"]).text
    finally:
        other_client.close()
    assert SECRET.search(page) is None
    assert SECRET.search(owner.client.get(response.headers["location"]).text) is not None


def test_a_secret_sealed_under_another_server_key_gets_a_page_that_says_so(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world)
    with database.session() as session:
        stored = session.get(Webhook, created["id"])
        assert stored is not None
        stored.secret = SecretBox("another-server-key-of-at-least-32-chars").seal("whsec_x")
        session.commit()

    page = owner.client.get(f"{owner.project}/webhooks/{created['id']}/preview")

    assert page.status_code == 409
    assert "DIALTRAIL_SECRET_KEY has changed" in page.text


def test_moving_the_url_to_another_server_says_which_header_values_were_dropped(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world, headers={"Authorization": "Bearer crm-token-0123456789"})
    base = f"{owner.project}/webhooks/{created['id']}"
    masked = created["headers"]["Authorization"]

    response = owner.post(
        f"{base}/edit",
        **form(url="http://127.0.0.2:9/hook", **{"headers-0-name": "Authorization"}),
        **{"headers-0-value": masked},
    )

    assert response.status_code == 303, response.text
    page = owner.client.get(base).text
    flashes = [html.unescape(text) for text in re.findall(r'data-testid="flash">(.*?)<', page)]
    assert any("Authorization" in text and "removed" in text for text in flashes)
    assert any("new signing secret" in text for text in flashes)
    fresh = SECRET.search(page)
    assert fresh is not None
    with database.session() as db:
        webhook = db.get(Webhook, created["id"])
        assert webhook is not None
        assert webhook.headers == {}
        assert BOX.open(webhook.secret) == fresh.group(1) != created["secret"]
