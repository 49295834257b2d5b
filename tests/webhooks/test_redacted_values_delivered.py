"""Webhooks carry what the collector stored: a visit whose URL and values held an e-mail
address and a phone number reaches the CRM with the markers, every leak of the rules' corpus
(tests/privacy/test_redaction_rules.py) included (docs/privacy.md, "Redaction")."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.privacy.test_redaction_rules import EMAIL_LEAKS, PHONE_LEAKS
from tests.support.collector import Visit, public_key
from tests.support.hooks import Hooks
from tests.support.people import declare_entity

POOL_NUMBER = "+380441112233"
LEAKS = EMAIL_LEAKS + PHONE_LEAKS


def test_a_call_from_a_leaky_visit_is_delivered_redacted(hooks: Hooks) -> None:
    world = hooks.world
    declare_entity(world, name="visit_id", value="r7k12_si")
    declare_entity(world, name="crm_email", value="x", privacy="hash")
    added = world.owner.client.post(
        f"/api/v1/projects/{world.project_id}/numbers",
        json={"number": POOL_NUMBER, "kind": "pool"},
    )
    assert added.status_code == 201, added.text
    hooks.webhook(
        parameters=[
            {"name": "landing", "value": "visit.landing_page"},
            {"name": "note", "value": "entity.visit_id"},
            {"name": "email", "value": "entity.crm_email"},
        ]
    )
    visit = Visit(world.base_url, public_key(hooks.database, world.project_id))
    shown = visit.page(
        "https://shop.example.com/welcome?email=ann%40example.org&to=ann%40example.org",
        {"visit_id": "ann@example.org, +44 20 7946 0958", "crm_email": "ann@example.org"},
        new_session=True,
    )
    assert shown.json() == {"number": POOL_NUMBER}

    hooks.clock.now = datetime.now(UTC)  # the call comes after the visit
    hooks.report("started", called=POOL_NUMBER)
    hooks.report("ended", called=POOL_NUMBER)
    hooks.deliver()

    (request,) = hooks.receiver.received
    body = request.body.decode()
    assert "ann" not in body
    assert "7946" not in body
    sent = json.loads(body)
    assert sent["landing"] == "https://shop.example.com/welcome?to=[email]"
    assert sent["note"] == "[email], [phone]"
    assert sent["email"].startswith("hmac-sha256:")


def test_every_leak_of_the_corpus_reaches_the_crm_redacted(hooks: Hooks) -> None:
    world = hooks.world
    names = [f"c{index}" for index in range(len(LEAKS))]
    for name in names:
        declare_entity(world, name=name)
    added = world.owner.client.post(
        f"/api/v1/projects/{world.project_id}/numbers",
        json={"number": POOL_NUMBER, "kind": "pool"},
    )
    assert added.status_code == 201, added.text
    landing = [text for text, _ in LEAKS if text.startswith("https://")]
    hooks.webhook(
        parameters=[{"name": "landing", "value": "visit.landing_page"}]
        + [{"name": name, "value": f"entity.{name}"} for name in names]
    )
    visit = Visit(world.base_url, public_key(hooks.database, world.project_id))
    values: dict[str, str | None] = {
        name: text for name, (text, _) in zip(names, LEAKS, strict=True)
    }
    shown = visit.page(landing[0], values, new_session=True)
    assert shown.json() == {"number": POOL_NUMBER}

    hooks.clock.now = datetime.now(UTC)
    hooks.report("started", called=POOL_NUMBER)
    hooks.report("ended", called=POOL_NUMBER)
    hooks.deliver()

    (request,) = hooks.receiver.received
    sent = json.loads(request.body)
    assert sent == {
        "landing": dict(LEAKS)[landing[0]],
        **{name: expected for name, (_, expected) in zip(names, LEAKS, strict=True)},
    }
