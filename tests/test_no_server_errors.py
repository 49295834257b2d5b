"""Arbitrary bodies never get a 5xx, and a refused request never leaves a partial write.

Hypothesis generates JSON shaped like the real bodies (right field names, any values) and
plain garbage, and sends it to the real server on both databases.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dialtrail.entities.models import TrackingEntity
from dialtrail.projects.models import Project
from tests.support.databases import Database
from tests.support.people import World

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text that has broken servers before: NUL (PostgreSQL refuses it), a lone UTF-16 surrogate
# (valid JSON, but not encodable as UTF-8), very long text, right-to-left and emoji.
NASTY_TEXT = ["a\x00b", "\ud800", "x" * 5000, "\u202eevil", "😀" * 70, "' OR 1=1 --"]
texts = st.text(max_size=80) | st.sampled_from(NASTY_TEXT)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | texts
    | st.sampled_from(["", " ", "\x00", "r7k12_si", "+380441112233", "UTC", "js:x", "sip:a@b"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner),
    max_leaves=8,
)


def either(*choices: Any) -> st.SearchStrategy[Any]:
    """Mostly values that pass the field's own check (so the request gets deep into the
    service and the database), sometimes anything at all."""
    plausible = st.one_of(
        *(c if isinstance(c, st.SearchStrategy) else st.sampled_from(c) for c in choices)
    )
    return st.one_of(plausible, plausible, plausible, json_values)


ENTITY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "name": either(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,70}", fullmatch=True)),
    "type": either(["simple", "expression"]),
    "scope": either(["session", "page_view"]),
    "value": either(["r7k12_si", 'cookie("a") || query("b")', "js:x"], texts),
    "keep": either(["last", "first"]),
    "enabled": either(st.booleans()),
    "description": either(texts),
}
HOSTS = ["example.com", "shop.example.com", "127.0.0.1", "xn--80aikifvh.xn--j1amh"]
NUMBERS = ["+380441112233", "044 111 22 33", "+1 212 555 0123", "12345"]
PROJECT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "name": either(texts),
    "domains": either(st.lists(either(HOSTS, texts), max_size=4)),
    "site_numbers": either(st.lists(either(NUMBERS, texts), max_size=4)),
    "default_number": either(NUMBERS, texts),
    "country": either(["UA", "us", "GB", "XX"], texts),
    "destination": either(NUMBERS, ["sip:desk@pbx.example.com"], texts),
    "timezone": either(["UTC", "Europe/Kyiv", "Mars/Base"], texts),
    "allow_raw_js": either(st.booleans()),
    "hold_seconds": either(st.integers()),
    "on_pool_exhausted": either(["reuse_oldest", "default_number"]),
    "late_call_seconds": either(st.integers()),
    "consent": either(["not_required", "required", "cookieless"]),
}


def shaped_like(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


def bodies(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    return st.one_of(shaped_like(fields), shaped_like(fields), json_values)


def send(client: httpx.Client, method: str, url: str, body: Any) -> httpx.Response:
    # json.dumps writes NaN and Infinity, which httpx refuses to send; the server must cope.
    return client.request(method, url, content=json.dumps(body).encode())


def count(database: Database, model: type[Project] | type[TrackingEntity]) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@FUZZ
@given(body=bodies(ENTITY_FIELDS))
def test_declaring_an_entity_never_fails_on_the_server(
    world: World, database: Database, body: Any
) -> None:
    before = count(database, TrackingEntity)
    url = f"/api/v1/projects/{world.project_id}/tracking-entities"

    response = send(world.owner.client, "POST", url, body)

    assert response.status_code in {201, 400, 409, 422}, response.text
    assert count(database, TrackingEntity) == before + (response.status_code == 201)
    if response.status_code == 201:
        world.owner.client.delete(f"{url}/{response.json()['id']}")


@FUZZ
@given(body=bodies(PROJECT_FIELDS))
def test_creating_a_project_never_fails_on_the_server(
    world: World, database: Database, body: Any
) -> None:
    before = count(database, Project)

    response = send(world.owner.client, "POST", "/api/v1/projects", body)

    assert response.status_code in {201, 400, 422}, response.text
    assert count(database, Project) == before + (response.status_code == 201)


@FUZZ
@given(body=bodies(PROJECT_FIELDS))
def test_changing_a_project_never_fails_on_the_server(world: World, body: Any) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    before = world.owner.client.get(url).json()

    response = send(world.owner.client, "PATCH", url, body)

    assert response.status_code in {200, 400, 409, 422}, response.text
    if response.status_code != 200:
        assert world.owner.client.get(url).json() == before


@FUZZ
@given(raw=st.binary(max_size=200))
def test_raw_bytes_get_a_clear_answer(world: World, raw: bytes) -> None:
    response = world.owner.client.post("/api/v1/projects", content=raw)

    assert response.status_code in {201, 400, 422}, response.text
    assert "error" in response.json() or response.status_code == 201
