"""The demo website: a newcomer's first sessions, without a website of their own."""

from __future__ import annotations

from tests.support.clients import get
from tests.support.collector import public_key
from tests.support.databases import Database
from tests.support.people import World


def demo_url(world: World, database: Database) -> str:
    return f"{world.base_url}/demo/{public_key(database, world.project_id)}/"


def test_the_pages_carry_the_projects_snippet(world: World, database: Database) -> None:
    key = public_key(database, world.project_id)

    home = get(demo_url(world, database))
    contacts = get(demo_url(world, database) + "contacts.html")

    assert home.status_code == 200
    assert f'<script async src="/s/{key}.js"></script>' in home.text
    assert "r7k12_si" in home.text
    assert f'src="/s/{key}.js"' in contacts.text
    assert "Contacts" in contacts.text


def test_the_spa_view_and_the_bare_path_lead_home(world: World, database: Database) -> None:
    offer = get(demo_url(world, database) + "offer")
    bare = get(demo_url(world, database).rstrip("/"))

    assert offer.status_code == 200
    assert "Demo shop" in offer.text
    assert bare.status_code in (301, 302, 307)
    assert bare.headers["location"].endswith("/")


def test_a_malformed_key_is_404(world: World) -> None:
    assert get(f"{world.base_url}/demo/<script>/").status_code == 404


def test_the_example_analytics_cookies_follow_the_projects_integrations(
    world: World, database: Database
) -> None:
    before = get(demo_url(world, database)).text
    integrations = f"/api/v1/projects/{world.project_id}/integrations"
    ga4 = {"measurement_id": "G-K3Q9ZL2M7P", "api_secret": "s3cr3t-Api_Value"}
    matomo = {"url": "https://matomo.example.com", "site_id": 7, "token_auth": "0" * 20}
    assert world.owner.client.post(f"{integrations}/ga4", json=ga4).status_code == 201
    assert world.owner.client.post(f"{integrations}/matomo", json=matomo).status_code == 201

    after = get(demo_url(world, database)).text

    assert "{{" not in before
    assert "{{" not in after
    assert '"_ga_DEMO0STREAM=' in before  # no integration: the page's own example stream
    assert '"_pk_id.1.d3m0=' in before
    assert '"_ga_K3Q9ZL2M7P=' in after  # the stream and site the script will read
    assert '"_pk_id.7.d3m0=' in after
