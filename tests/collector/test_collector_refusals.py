"""The collector refuses bad input with a clear 4xx and stores nothing (docs/design.md §3, §8)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dialtrail.app import create_app
from dialtrail.sessions.models import PageView, Visitor, WebSession
from tests.support.clients import get, post
from tests.support.collector import Visit, client_id
from tests.support.databases import Database
from tests.support.people import World
from tests.support.server import serve

HOME = "https://shop.example.com/"


def stored_rows(database: Database) -> int:
    with database.session() as session:
        return sum(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Visitor, WebSession, PageView)
        )


@pytest.mark.storage_agnostic
def test_an_unknown_key_is_404(visit: Visit, database: Database) -> None:
    visit.key = "no-such-key"
    response = visit.page(HOME)
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_project"
    assert stored_rows(database) == 0


@pytest.mark.storage_agnostic
def test_an_unknown_event_is_404(visit: Visit) -> None:
    assert visit.post("pageviews", {**visit.ids(), "url": HOME}).status_code == 404


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://shop.example.com", True),
        ("https://www.shop.example.com", True),
        ("https://evil.example.net", False),
        ("https://notshop.example.com", False),
        ("null", False),
    ],
)
def test_only_the_projects_domains_may_report(
    world: World, visit: Visit, database: Database, origin: str, allowed: bool
) -> None:
    world.owner.client.patch(
        f"/api/v1/projects/{world.project_id}", json={"domains": ["shop.example.com"]}
    )
    visit.origin = origin

    response = visit.page(HOME)

    assert response.status_code == (200 if allowed else 403)
    assert stored_rows(database) == (3 if allowed else 0)


@pytest.mark.storage_agnostic
def test_a_page_without_an_origin_falls_back_to_its_referer(world: World, visit: Visit) -> None:
    world.owner.client.patch(
        f"/api/v1/projects/{world.project_id}", json={"domains": ["shop.example.com"]}
    )
    visit.origin = ""
    response = visit.post(
        "pageview", {**visit.ids(), "url": HOME}, Referer="https://shop.example.com/x"
    )
    assert response.status_code == 200


@pytest.mark.storage_agnostic
def test_a_body_over_8_kb_is_413(visit: Visit, database: Database) -> None:
    response = visit.page(HOME, title="t" * 9000)
    assert response.status_code == 413
    assert stored_rows(database) == 0


MISSING = object()


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"visitor": MISSING}, 422, "visitor"),
        ({"visitor": "short"}, 422, "visitor"),
        ({"session": "a b c d e f g h i j k"}, 422, "session"),
        ({"url": "javascript:alert(1)"}, 422, "url"),
        ({"values": {"visit_id": 42}}, 422, "values.visit_id"),
        ({"values": "visit_id=1"}, 422, "values"),
        ({"new_session": "yes"}, 422, "new_session"),
        ({"ga_session_id": "s1764921600"}, 422, "ga_session_id"),
        ({"ga_session_id": 1764921600}, 422, "ga_session_id"),
        ({"ga_session_id": "0"}, 422, "ga_session_id"),
        ({"ga_session_number": "3"}, 422, "ga_session_number"),
        ({"ga_session_number": 0}, 422, "ga_session_number"),
        ({"matomo_visitor_id": "5F2C9A1E0B7D4C38"}, 422, "matomo_visitor_id"),
        ({"matomo_visitor_id": "5f2c9a1e0b7d4c3"}, 422, "matomo_visitor_id"),
    ],
)
def test_a_malformed_page_view_is_refused_naming_the_field(
    visit: Visit, database: Database, changes: dict[str, Any], status: int, field: str
) -> None:
    body = {**visit.ids(), "url": HOME, **changes}
    body = {key: value for key, value in body.items() if value is not MISSING}

    response = visit.post("pageview", body)

    assert response.status_code == status, response.text
    assert field in [problem["field"] for problem in response.json()["fields"]]
    assert stored_rows(database) == 0


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(("raw", "status"), [(b"{not json", 400), (b"[]", 422), (b"", 400)])
def test_a_body_that_is_not_an_event_is_refused(
    visit: Visit, database: Database, raw: bytes, status: int
) -> None:
    response = visit.post("pageview", raw)
    assert response.status_code == status, response.text
    assert stored_rows(database) == 0


@pytest.mark.storage_agnostic
def test_an_error_report_needs_at_least_one_error(visit: Visit) -> None:
    visit.page(HOME)
    response = visit.errors([])
    assert response.status_code == 422


@pytest.fixture
def strict_server(database: Database) -> Iterator[str]:
    # A trickle of a refill, so a slow machine cannot refill the bucket between requests.
    settings = database.settings.replace(collector_rate=0.01, collector_burst=3)
    with serve(create_app(settings, database.engine)) as url:
        yield url


@pytest.mark.storage_agnostic
def test_a_flood_from_one_address_is_429(world: World, visit: Visit, strict_server: str) -> None:
    visit.base_url = strict_server
    statuses = [visit.page(HOME).status_code for _ in range(6)]

    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses[3:]
    refused = visit.page(HOME)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1


def page_view_from(client: httpx.Client, visit: Visit, address: str) -> int:
    """A page view as forwarded by the proxy (the test server trusts 127.0.0.1)."""
    visit.page_view = client_id()
    body = {**visit.ids(), "url": HOME, "title": "A page", "values": {}}
    headers = {"Origin": visit.origin, "X-Forwarded-For": address}
    return client.post(
        f"/c/{visit.key}/pageview", content=json.dumps(body), headers=headers
    ).status_code


@pytest.mark.storage_agnostic
def test_it_gives_all_addresses_of_one_ipv6_64_one_bucket(
    visit: Visit, strict_server: str, database: Database
) -> None:
    """One machine owns a whole /64: 3,000 of its addresses must not get 3,000 buckets."""
    with httpx.Client(base_url=strict_server, timeout=30) as client:
        statuses = [
            page_view_from(client, visit, f"2001:db8:7:1:{number:x}:5eed:0:1")
            for number in range(3000)
        ]
        next_network = page_view_from(client, visit, "2001:db8:7:2::1")

    assert statuses[:3] == [200, 200, 200]
    assert set(statuses[3:]) == {429}
    assert next_network == 200  # the neighbouring /64 is someone else
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(PageView)) == 4


@pytest.mark.storage_agnostic
def test_it_keeps_one_bucket_per_ipv4_address(visit: Visit, strict_server: str) -> None:
    with httpx.Client(base_url=strict_server, timeout=30) as client:
        first = [page_view_from(client, visit, "198.51.100.7") for _ in range(4)]
        neighbour = page_view_from(client, visit, "198.51.100.8")

    assert first == [200, 200, 200, 429]
    assert neighbour == 200


FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
texts = st.text(max_size=50) | st.sampled_from(["a\x00b", "\ud800", client_id(), HOME])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
shaped = st.fixed_dictionaries(
    {},
    optional={
        name: json_values
        for name in ("visitor", "session", "page_view", "url", "values", "truncated", "ga")
    },
)


@FUZZ
@given(body=shaped | json_values, kind=st.sampled_from(["pageview", "ping", "errors"]))
def test_random_bodies_get_only_4xx_and_store_nothing(
    visit: Visit, database: Database, body: Any, kind: str
) -> None:
    response = visit.post(kind, json.dumps(body).encode())

    assert 400 <= response.status_code < 500, response.text
    assert stored_rows(database) == 0


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_bytes_get_only_4xx(visit: Visit, database: Database, raw: bytes) -> None:
    response = visit.post("pageview", raw)
    assert 400 <= response.status_code < 500
    assert stored_rows(database) == 0


@pytest.mark.storage_agnostic
def test_a_refusal_is_readable_by_the_sites_origin(visit: Visit) -> None:
    response = visit.post("pageview", b"{}")
    assert response.headers["access-control-allow-origin"] == visit.origin
    assert httpx.codes.is_client_error(response.status_code)


@pytest.mark.storage_agnostic
def test_a_request_without_origin_or_referer_is_told_why(world: World, visit: Visit) -> None:
    world.owner.client.patch(
        f"/api/v1/projects/{world.project_id}", json={"domains": ["shop.example.com"]}
    )
    visit.origin = ""

    response = visit.post("pageview", {**visit.ids(), "url": HOME})

    assert response.status_code == 403
    assert "no Origin or Referer" in response.json()["message"]


@pytest.mark.storage_agnostic
def test_a_body_streamed_past_8_kb_without_a_length_is_413(
    visit: Visit, database: Database
) -> None:
    body = json.dumps({**visit.ids(), "url": HOME, "title": "t" * 9000}).encode()
    chunks = iter([body[:4000], body[4000:]])  # a generator: sent chunked, no Content-Length
    response = post(
        f"{visit.base_url}/c/{visit.key}/pageview",
        content=chunks,
        headers={"Origin": visit.origin},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert stored_rows(database) == 0


@pytest.mark.storage_agnostic
def test_a_too_large_body_is_readable_by_the_sites_origin(visit: Visit) -> None:
    response = visit.page(HOME, title="t" * 9000)
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == visit.origin


@pytest.mark.storage_agnostic
def test_a_preflight_allows_posting_json(visit: Visit) -> None:
    response = httpx.options(
        f"{visit.base_url}/c/{visit.key}/pageview",
        headers={"Origin": visit.origin, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == visit.origin
    assert response.headers["access-control-allow-methods"] == "POST"
    assert response.headers["access-control-allow-headers"] == "Content-Type"


@pytest.mark.storage_agnostic
def test_another_method_is_405_naming_the_allowed_ones(visit: Visit, database: Database) -> None:
    response = get(f"{visit.base_url}/c/{visit.key}/pageview")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert response.headers["allow"] == "POST, OPTIONS"


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("path", ["/c/", "/c/key", "/c/key/", "/c/key/pageview/more"])
def test_other_paths_under_c_are_404(visit: Visit, path: str) -> None:
    response = post(f"{visit.base_url}{path}", content=b"{}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.storage_agnostic
def test_an_unreadable_origin_is_a_foreign_one(world: World, visit: Visit) -> None:
    world.owner.client.patch(
        f"/api/v1/projects/{world.project_id}", json={"domains": ["shop.example.com"]}
    )
    visit.origin = "http://["
    response = visit.page(HOME)
    assert response.status_code == 403
    assert response.json()["error"] == "origin_not_allowed"
