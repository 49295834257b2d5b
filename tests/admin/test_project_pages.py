"""Sessions (filters, detail) and Installation (snippet, last seen) over plain HTTP."""

from __future__ import annotations

import pytest

from tests.admin.conftest import SignedIn
from tests.support.collector import Visit, public_key
from tests.support.databases import Database
from tests.support.people import World, declare_entity


def a_visit(world: World, database: Database) -> Visit:
    return Visit(world.base_url, public_key(database, world.project_id))


def test_sessions_are_listed_and_filtered_like_the_api(
    world: World, database: Database, owner: SignedIn
) -> None:
    declare_entity(world, name="visit_id", value="r7k12_si")
    first, second = a_visit(world, database), a_visit(world, database)
    first.page("https://shop.example.com/", {"visit_id": "crm-42"})
    second.page("https://shop.example.com/", {"visit_id": "crm-43"})

    listing = owner.client.get(f"{owner.project}/sessions").text
    assert listing.index(second.session) < listing.index(first.session)
    found = owner.client.get(
        f"{owner.project}/sessions", params={"entity": "visit_id", "value": "crm-42"}
    ).text
    assert first.session in found
    assert second.session not in found


@pytest.mark.storage_agnostic
def test_bad_filters_are_shown_at_their_fields(owner: SignedIn) -> None:
    response = owner.client.get(
        f"{owner.project}/sessions", params={"value": "crm-42", "since": "yesterday"}
    )

    assert response.status_code == 422
    assert 'id="since-error"' in response.text
    refused = owner.client.get(f"{owner.project}/sessions", params={"value": "crm-42"})
    assert "give the entity&#39;s name in `entity` too" in refused.text


def test_a_session_shows_its_sources_page_views_and_values(
    world: World, database: Database, owner: SignedIn
) -> None:
    declare_entity(world, name="visit_id", value="r7k12_si")
    declare_entity(world, name="order", value="order_id", scope="page_view")
    visit = a_visit(world, database)
    visit.page("https://shop.example.com/?utm_source=news", {"visit_id": "crm-42"})
    visit.page("https://shop.example.com/thanks", {"order": "A-17"})

    page = owner.client.get(f"{owner.project}/sessions/{visit.session}").text

    assert "<dt>utm_source</dt><dd>news</dd>" in page
    assert "https://shop.example.com/thanks" in page
    assert '<code class="value">A-17</code>' in page
    assert '<code class="value" data-testid="current-value">crm-42</code>' in page
    assert owner.client.get(f"{owner.project}/sessions/nope").status_code == 404
    assert owner.client.get(f"{owner.project}/sessions/a%00b").status_code == 404


def test_installation_shows_the_snippet_and_when_the_script_was_last_seen(
    world: World, database: Database, owner: SignedIn
) -> None:
    key = public_key(database, world.project_id)
    before = owner.client.get(f"{owner.project}/installation").text
    assert f"&lt;script async src=&#34;{world.base_url}/s/{key}.js&#34;&gt;" in before
    assert "has not been seen yet" in before

    a_visit(world, database).page("https://shop.example.com/pricing")
    after = owner.client.get(f"{owner.project}/installation").text

    assert "last seen on" in after
    assert "https://shop.example.com/pricing" in after


@pytest.mark.storage_agnostic
def test_installation_says_how_the_banner_tells_the_script_when_consent_is_needed(
    world: World, owner: SignedIn
) -> None:
    before = owner.client.get(f"{owner.project}/installation").text
    assert 'data-testid="consent-hint"' not in before
    world.owner.client.patch(f"/api/v1/projects/{world.project_id}", json={"consent": "required"})

    page = owner.client.get(f"{owner.project}/installation").text

    assert 'data-testid="consent-hint"' in page
    assert "<strong>required</strong>" in page
    assert "analytics_storage" in page


def strict_project_key(world: World, database: Database) -> str:
    """The public key of the world's project, accepting page views from its shop only."""
    project_url = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(project_url, json={"domains": ["shop.example.com"]})
    return public_key(database, world.project_id)


def test_installation_says_when_a_page_view_was_refused_for_its_domain(
    world: World, database: Database, owner: SignedIn
) -> None:
    key = strict_project_key(world, database)
    before = owner.client.get(f"{owner.project}/installation").text

    refused = Visit(world.base_url, key, origin="https://old-shop.example.net").page("https://x/")
    Visit(world.base_url, key, origin="https://other.example.org").page("https://y/")
    after = owner.client.get(f"{owner.project}/installation").text

    assert refused.status_code == 403
    assert 'data-testid="refused"' not in before
    assert "refused a page\n    view from <strong>old-shop.example.net</strong>" in after
    assert "other.example.org" not in after  # written at most once a minute per project
    assert f'href="/admin/projects/{world.project_id}/settings"' in after


def test_installation_explains_a_refused_page_view_that_named_no_site(
    world: World, database: Database, owner: SignedIn
) -> None:
    created = world.owner.client.post(
        "/api/v1/projects", json={"name": "Strict", "domains": ["shop.example.com"]}
    ).json()
    visit = Visit(world.base_url, created["public_key"])

    refused = visit.post("pageview", {**visit.ids(), "url": "https://x/", "values": {}}, Origin="")
    page = owner.client.get(f"/admin/projects/{created['id']}/installation").text

    assert refused.status_code == 403
    assert "that named no site" in page


def test_changing_the_domains_clears_the_refusal_note(
    world: World, database: Database, owner: SignedIn
) -> None:
    key = strict_project_key(world, database)
    Visit(world.base_url, key, origin="https://old-shop.example.net").page("https://x/")
    before = owner.client.get(f"{owner.project}/installation").text

    fixed = ["shop.example.com", "old-shop.example.net"]
    world.owner.client.patch(f"/api/v1/projects/{world.project_id}", json={"domains": fixed})
    after = owner.client.get(f"{owner.project}/installation").text

    assert 'data-testid="refused"' in before
    assert 'data-testid="refused"' not in after
