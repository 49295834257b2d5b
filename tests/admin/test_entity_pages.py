"""Tracking entities through the forms: the API's rules and messages, shown at the field."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.admin.conftest import SignedIn
from tests.support.collector import Visit, public_key
from tests.support.databases import Database
from tests.support.people import World, declare_entity
from tests.support.webhooks import create_webhook

SEED = {"name": "visit_id", "type": "expression", "scope": "session", "value": "r7k12_si"}


def entities(world: World) -> list[dict[str, Any]]:
    url = f"/api/v1/projects/{world.project_id}/tracking-entities"
    items: list[dict[str, Any]] = world.owner.client.get(url).json()["items"]
    return items


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no error at {field}"
    return html.unescape(found.group(1))


def test_an_entity_added_through_the_form_is_listed_with_its_console_checks(
    world: World, owner: SignedIn
) -> None:
    response = owner.post(f"{owner.project}/entities/new", **SEED, keep="last", enabled="on")

    assert response.status_code == 303
    assert [(e["name"], e["value"], e["enabled"]) for e in entities(world)] == [
        ("visit_id", "r7k12_si", True)
    ]
    listing = owner.client.get(f"{owner.project}/entities").text
    assert "dialtrail.entities().visit_id" in listing
    assert '<code class="console">r7k12_si</code>' in listing


@pytest.mark.storage_agnostic
def test_a_bad_expression_is_shown_at_the_value_with_a_pointer(
    world: World, owner: SignedIn
) -> None:
    response = owner.post(f"{owner.project}/entities/new", **{**SEED, "value": 'cookie("a") || '})

    assert response.status_code == 422
    assert "at position 15" in field_error(response.text, "value")
    pointer = re.search(r'data-testid="pointer">(.*?)</pre>', response.text, re.S)
    assert pointer is not None
    assert html.unescape(pointer.group(1)) == 'cookie("a") || \n' + " " * 15 + "^"
    assert 'value="cookie(&#34;a&#34;) || "' in response.text  # what was typed stays
    assert entities(world) == []


@pytest.mark.storage_agnostic
def test_it_shows_the_apis_other_refusals_at_their_fields(world: World, owner: SignedIn) -> None:
    declare_entity(world, name="visit_id")
    cases = {
        "name": {**SEED, "name": "Visit_ID"},
        "keep": {**SEED, "name": "order", "scope": "page_view", "keep": "first"},
        "type": {"name": "x", "value": "x", "scope": "session"},
    }
    expected = {
        "name": "already has a tracking entity",
        "keep": "session scope",
        "type": "required",
    }
    for field, fields in cases.items():
        response = owner.post(f"{owner.project}/entities/new", **fields)
        assert response.status_code == 422, field
        assert expected[field] in field_error(response.text, field)
    assert [entity["name"] for entity in entities(world)] == ["visit_id"]


def test_it_edits_and_deletes_an_entity(world: World, owner: SignedIn) -> None:
    entity = declare_entity(world, name="visit_id")
    edit = f"{owner.project}/entities/{entity['id']}/edit"
    assert 'value="visit_id"' in owner.client.get(edit).text

    changed = {**SEED, "type": "simple", "value": "shop.visit.id", "keep": "first"}
    assert owner.post(edit, **changed, description="from the shop").status_code == 303
    stored = entities(world)[0]
    assert (stored["type"], stored["value"], stored["keep"]) == ("simple", "shop.visit.id", "first")
    assert stored["enabled"] is False  # the box was not ticked

    refused = owner.post(edit, **{**changed, "value": 'cookie("x")'})
    assert refused.status_code == 422
    assert entities(world)[0]["value"] == "shop.visit.id"

    assert owner.post(f"{owner.project}/entities/{entity['id']}/delete").status_code == 303
    assert entities(world) == []


def test_the_list_shows_each_entitys_health(
    world: World, database: Database, owner: SignedIn
) -> None:
    declare_entity(world, **SEED)
    visit = Visit(world.base_url, public_key(database, world.project_id))
    visit.page("https://shop.example.com/", {"visit_id": "crm-42"})
    error = {"entity": "visit_id", "kind": "undefined", "message": "r7k12_si is undefined"}
    visit.errors([error], url="https://shop.example.com/contacts")

    listing = owner.client.get(f"{owner.project}/entities").text

    assert '<code class="value" data-testid="last-value">crm-42</code>' in listing
    assert "last: r7k12_si is undefined" in listing
    assert "https://shop.example.com/contacts" in listing


def webhooks_using(world: World, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    mapped = create_webhook(
        world, name="CRM <main>", parameters=[{"name": "visit id", "value": f"entity.{name}"}]
    )
    filtered = create_webhook(
        world, name="Sheet", filters=[{"field": f"entity.{name}", "op": "exists"}]
    )
    create_webhook(
        world, name="Unrelated", parameters=[{"name": "ga", "value": "visit.ga_client_id"}]
    )
    return mapped, filtered


def test_deleting_an_entity_webhooks_use_is_refused_naming_and_linking_them(
    world: World, owner: SignedIn
) -> None:
    entity = declare_entity(world, name="visit_id")
    mapped, filtered = webhooks_using(world, "visit_id")

    refused = owner.post(f"{owner.project}/entities/{entity['id']}/delete")

    assert refused.status_code == 409
    assert [e["name"] for e in entities(world)] == ["visit_id"]
    webhooks = f"{owner.project}/webhooks"
    assert f'<a href="{webhooks}/{mapped["id"]}">CRM &lt;main&gt;</a>' in refused.text
    assert "parameter &#39;visit id&#39;" in refused.text
    assert f'<a href="{webhooks}/{filtered["id"]}">Sheet</a>' in refused.text
    assert "(filter 1)" in refused.text
    assert "Unrelated" not in refused.text
    assert "<main>" not in refused.text
    assert "empty value" in refused.text
    assert 'name="force" value="on"' in refused.text
    assert f'name="csrf_token" value="{owner.csrf}"' in refused.text


def use_labels(page: str) -> list[str]:
    """Where each listed webhook uses the entity, as the entity page words it."""
    found = re.findall(r'<span class="meta">\((.*?)\)</span>', page)
    return [html.unescape(labels) for labels in found]


def stale_warnings(page: str) -> list[str]:
    found = re.findall(r'data-testid="stale-entity">(.*?)</', page)
    return [html.unescape(warning) for warning in found]


def test_the_entity_page_and_the_stale_warnings_name_a_use_in_the_same_words(
    world: World, owner: SignedIn
) -> None:
    entity = declare_entity(world, name="visit_id")
    both = create_webhook(
        world,
        name="Both",
        parameters=[{"name": "visit id", "value": "entity.visit_id"}],
        filters=[
            {"field": "call.disposition", "op": "eq", "value": "answered"},
            {"field": "entity.visit_id", "op": "exists"},
        ],
    )

    refused = owner.post(f"{owner.project}/entities/{entity['id']}/delete")
    assert use_labels(refused.text) == ["parameter 'visit id', filter 2"]
    assert owner.post(f"{owner.project}/entities/{entity['id']}/delete", force="on").is_redirect
    overview = owner.client.get(f"{owner.project}/webhooks/{both['id']}").text

    warned = [warning.partition(" uses ")[0] for warning in stale_warnings(overview)]
    assert warned == ["parameter 'visit id'", "filter 2"]


def test_delete_anyway_deletes_the_entity_and_says_so(world: World, owner: SignedIn) -> None:
    entity = declare_entity(world, name="visit_id")
    webhooks_using(world, "visit_id")

    deleted = owner.post(f"{owner.project}/entities/{entity['id']}/delete", force="on")

    assert deleted.status_code == 303
    assert entities(world) == []
    listing = owner.client.get(f"{owner.project}/entities").text
    assert "The tracking entity visit_id was deleted." in listing
    assert "was deleted" not in owner.client.get(f"{owner.project}/entities").text


def test_renaming_an_entity_webhooks_use_names_them_and_offers_rename_anyway(
    world: World, owner: SignedIn
) -> None:
    entity = declare_entity(world, **SEED)
    mapped, _ = webhooks_using(world, "visit_id")
    edit = f"{owner.project}/entities/{entity['id']}/edit"

    refused = owner.post(edit, **{**SEED, "name": "visit"}, keep="last")

    assert refused.status_code == 409
    message = field_error(refused.text, "name")
    assert "'CRM <main>', 'Sheet'" in message
    assert "renamed, it would reach them empty" in message
    assert f'href="{owner.project}/webhooks/{mapped["id"]}"' in refused.text
    assert 'name="force"' in refused.text
    assert 'value="visit"' in refused.text  # what was typed stays
    assert entities(world)[0]["name"] == "visit_id"

    renamed = owner.post(edit, **{**SEED, "name": "visit"}, keep="last", force="on")

    assert renamed.status_code == 303
    assert entities(world)[0]["name"] == "visit"


@pytest.mark.storage_agnostic
def test_the_check_box_speaks_of_one_line_when_it_shows_one(owner: SignedIn) -> None:
    one = owner.client.get(f"{owner.project}/entities/new").text
    assert "It shows what Dialtrail" in one
    assert "The first line" not in one


def test_the_list_shows_an_expression_that_never_resolves_and_its_value_share(
    world: World, database: Database, owner: SignedIn
) -> None:
    declare_entity(world, name="visit_id", value="r7k12_si")
    declare_entity(world, name="shop_visit", value="shop.visit.id")
    visit = Visit(world.base_url, public_key(database, world.project_id))
    visit.page("https://shop.example.com/", {"visit_id": "crm-42", "shop_visit": None})
    visit.page("https://shop.example.com/b", {"visit_id": None, "shop_visit": None})
    # What the script reports when an expression is still undefined after load + retries.
    error = {
        "entity": "shop_visit",
        "kind": "undefined",
        "message": "still undefined 5 s after load",
    }
    visit.errors([error], url="https://shop.example.com/b")

    listing = owner.client.get(f"{owner.project}/entities").text

    shares = re.findall(r'data-testid="value-share">([^<]*)<', listing)
    assert shares == ["value on 1 of the last 2 page views", "value on 0 of the last 2 page views"]
    assert 'class="meta bad" data-testid="value-share">value on 0 of' in listing
    assert "last: still undefined 5 s after load" in listing
    assert "never seen yet" in listing


def test_the_list_says_when_no_page_view_came_since_an_entity_was_added(
    world: World, owner: SignedIn
) -> None:
    declare_entity(world, **SEED)

    listing = owner.client.get(f"{owner.project}/entities").text

    assert "no page views since it was added" in listing


def test_a_whole_cookie_value_is_saved_only_once_the_form_confirms_it(
    world: World, owner: SignedIn
) -> None:
    cookies = {**SEED, "name": "cookies", "value": "document.cookie", "keep": "last"}

    refused = owner.post(f"{owner.project}/entities/new", **cookies)
    confirmed = owner.post(f"{owner.project}/entities/new", **cookies, confirm_sensitive="on")

    assert refused.status_code == 422
    # The field says what to do; the warning under it what the value sends (not the API's words)
    assert field_error(refused.text, "value") == "tick “Forward it anyway” below to save it"
    warning = re.search(r'data-testid="sensitive-warning">(.*?)</div>', refused.text, re.S)
    assert warning is not None
    assert "forwards every cookie of the site" in html.unescape(warning.group(1))
    assert 'name="confirm_sensitive"' in warning.group(1)
    assert confirmed.status_code == 303
    assert [entity["value"] for entity in entities(world)] == ["document.cookie"]


def test_the_edit_form_keeps_a_confirmed_value_without_asking_again(
    world: World, owner: SignedIn
) -> None:
    entity = declare_entity(world, name="cookies", value="document.cookie", confirm_sensitive=True)
    edit = f"{owner.project}/entities/{entity['id']}/edit"
    fields = {**SEED, "name": "cookies", "value": "document.cookie", "keep": "last"}

    form = owner.client.get(edit).text
    saved = owner.post(edit, **fields, description="every cookie, on purpose")

    assert 'data-testid="sensitive-warning"' in form
    assert saved.status_code == 303
    assert entities(world)[0]["description"] == "every cookie, on purpose"


def test_an_entity_is_set_to_hash_its_value_through_the_form(world: World, owner: SignedIn) -> None:
    entity = declare_entity(world, name="crm_id")
    edit = f"{owner.project}/entities/{entity['id']}/edit"
    assert 'name="privacy" value="redact" checked' in owner.client.get(edit).text

    saved = owner.post(edit, **{**SEED, "name": "crm_id", "privacy": "hash"})
    refused = owner.post(edit, **{**SEED, "name": "crm_id", "privacy": "encrypt"})

    assert saved.status_code == 303
    assert refused.status_code == 422
    assert "redact" in field_error(refused.text, "privacy")
    assert entities(world)[0]["privacy"] == "hash"
    assert 'name="privacy" value="hash" checked' in owner.client.get(edit).text
