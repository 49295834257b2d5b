"""The collector stores no e-mail address or phone number it was sent (docs/privacy.md,
"Redaction"): not in the journal, not in sessions, page views or values, for every leak of the
rules' corpus (tests/privacy/test_redaction_rules.py), whose look-alikes arrive unchanged; an
entity set to ``keep`` or ``hash`` and a project with redaction off get what they asked
for."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from dialtrail.collector.models import JournalEvent
from tests.privacy.test_redaction_rules import EMAIL_LEAKS, PHONE_LEAKS, SURVIVORS
from tests.support.collector import Visit
from tests.support.databases import Database
from tests.support.people import World, declare_entity

LEAKY_URL = (
    "https://shop.example.com/thanks/ann.lee%40example.org?utm_source=mail&email=ann%40example.org"
    "&phone=%2B44%2020%207946%200958&token=s3cret&order=100045678"
)
STORED_URL = "https://shop.example.com/thanks/[email]?utm_source=mail&order=100045678"
RAW = ("ann.lee", "ann%40example.org", "7946", "s3cret", "ann@example.org", "555")


def session_of(world: World, visit: Visit) -> dict[str, Any]:
    response = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/sessions/{visit.session}"
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def journal_payloads(database: Database) -> list[str]:
    with database.sessions() as db:
        return list(db.scalars(select(JournalEvent.payload)))


def test_a_page_view_is_stored_and_journaled_without_addresses_or_numbers(
    world: World, visit: Visit, database: Database
) -> None:
    response = visit.page(
        LEAKY_URL,
        {"visit_id": "mail me at ann@example.org or (555) 123-4567"},
        referrer="https://mail.example.net/inbox?to=ann%40example.org",
        title="Thank you, ann@example.org!",
        new_session=True,
    )
    visit.ping({"visit_id": "call +1-555-123-4567"})
    visit.errors([{"entity": "visit_id", "kind": "exception", "message": "no ann@example.org"}])

    assert response.status_code == 200
    for payload in journal_payloads(database):
        assert not any(raw in payload for raw in RAW), payload
    session = session_of(world, visit)
    assert session["landing_page"] == STORED_URL
    assert session["utm_source"] == "mail"
    assert session["referrer"] == "https://mail.example.net/inbox?to=[email]"
    (page,) = session["page_view_list"]
    assert (page["url"], page["title"]) == (STORED_URL, "Thank you, [email]!")
    history = [item["value"] for item in session["entity_history"]]
    assert history == ["mail me at [email] or [phone]", "call [phone]"]


def test_an_entity_can_keep_or_hash_its_value(
    world: World, visit: Visit, database: Database
) -> None:
    declare_entity(world, name="crm_email", privacy="hash")
    declare_entity(world, name="raw_note", privacy="keep")
    other = Visit(visit.base_url, visit.key)

    visit.page("https://shop.example.com/", {"crm_email": "ann@example.org", "raw_note": "a@b.co"})
    other.page("https://shop.example.com/", {"crm_email": "ann@example.org"})

    first, second = session_of(world, visit), session_of(world, other)
    hashed = first["entities"]["crm_email"]
    assert hashed.startswith("hmac-sha256:")
    assert len(hashed) == 76
    assert second["entities"]["crm_email"] == hashed
    assert first["entities"]["raw_note"] == "a@b.co"
    assert not any("ann@example.org" in payload for payload in journal_payloads(database))


def test_a_project_can_turn_redaction_off(world: World, visit: Visit) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    changed = world.owner.client.patch(project, json={"redact_personal_data": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["redact_personal_data"] is False

    visit.page(LEAKY_URL, {"visit_id": "ann@example.org"})

    session = session_of(world, visit)
    assert session["landing_page"] == LEAKY_URL
    assert session["entities"]["visit_id"] == "ann@example.org"


def test_an_unknown_privacy_mode_is_refused_naming_the_field(world: World) -> None:
    response = world.owner.client.post(
        f"/api/v1/projects/{world.project_id}/tracking-entities",
        json={"name": "x", "type": "expression", "value": "x", "privacy": "encrypt"},
    )

    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["fields"]] == ["privacy"]


LEAKS = EMAIL_LEAKS + PHONE_LEAKS


def corpus_entities(world: World, count: int) -> list[str]:
    names = [f"c{index}" for index in range(count)]
    for name in names:
        declare_entity(world, name=name)
    return names


def as_page(index: int, text: str) -> str:
    """A leak that is a URL is the page's address; any other text is in the title only."""
    return text if text.startswith("https://") else f"https://shop.example.com/p{index}"


def test_the_whole_corpus_is_stored_redacted_by_the_collector(
    world: World, visit: Visit, database: Database
) -> None:
    names = corpus_entities(world, len(LEAKS))
    leaks, survivors = LEAKS, [(text, text) for text in SURVIVORS]
    others = Visit(visit.base_url, visit.key)
    for one, cases in ((visit, leaks), (others, survivors)):
        values: dict[str, str | None] = {
            name: text for name, (text, _) in zip(names, cases, strict=False)
        }
        for index, (text, _) in enumerate(cases):
            page = as_page(index, text)
            sent = one.page(page, values, title=text, referrer=page, new_session=index == 0)
            assert sent.status_code == 200, sent.text
            values = {}

    for one, cases in ((visit, leaks), (others, survivors)):
        session = session_of(world, one)
        stored = {name: session["entities"].get(name) for name in names[: len(cases)]}
        assert stored == {name: expected for name, (_, expected) in zip(names, cases, strict=False)}
        titles = [page["title"] for page in session["page_view_list"]]
        assert titles == [expected for _, expected in cases]
        urls = [page["url"] for page in session["page_view_list"]]
        assert urls == [as_page(index, expected) for index, (_, expected) in enumerate(cases)]
    texts = [
        text for payload in journal_payloads(database) for text in strings(json.loads(payload))
    ]
    assert [text for text in texts if any(leak in text for leak, _ in LEAKS)] == []


def strings(value: Any) -> list[str]:
    """Every text inside a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *strings(item)]]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []
