"""Arbitrary webhook bodies never get a 5xx, and a refused one never leaves a partial write.

Hypothesis builds bodies with the real field names and mostly plausible values (so requests
reach the service and the database), sometimes anything at all, and sends them to the real
server on both databases.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.databases import Database
from tests.support.people import World
from tests.support.webhooks import RECEIVER, create_webhook, webhook_count, webhooks_url

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NASTY_TEXT = ["a\x00b", "\ud800", "x" * 5000, "\u202eevil", "😀" * 70, "••••", "a\r\nb: c"]
texts = st.text(max_size=40) | st.sampled_from(NASTY_TEXT)
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
KEYS = ["call.id", "call.disposition", "call.started_at", "call.is_first_call", "visit.gclid"]


def either(*choices: Any) -> st.SearchStrategy[Any]:
    plausible = st.one_of(
        *(c if isinstance(c, st.SearchStrategy) else st.sampled_from(c) for c in choices)
    )
    return st.one_of(plausible, plausible, plausible, json_values)


parameters = st.lists(
    st.fixed_dictionaries(
        {"name": either(texts)}, optional={"value": either(KEYS), "constant": json_values}
    ),
    max_size=4,
)
filters = st.lists(
    st.fixed_dictionaries(
        {"field": either(KEYS), "op": either(["eq", "in", "gt", "contains", "exists"])},
        optional={"value": either(json_values, ["answered", "2026-11-27T10:00:00Z", 5])},
    ),
    max_size=3,
)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "name": either(texts),
    "events": either(st.lists(either(["call.started", "call.completed"]), max_size=3)),
    "url": either([RECEIVER, "http://[::1]:80/", "https://a@b/"], texts),
    "method": either(["POST", "GET", "PUT"]),
    "format": either(["json", "form", "query"]),
    "parameters": either(parameters),
    "headers": either(
        st.dictionaries(st.sampled_from(["X-Key", "Host"]) | texts, texts, max_size=3)
    ),
    "filters": either(filters),
    "date_format": either(["iso8601", "%Y-%m-%d", "%Q"], texts),
    "enabled": either(st.booleans()),
}
bodies = st.fixed_dictionaries({}, optional=FIELDS) | json_values


def send(world: World, method: str, url: str, body: Any) -> int:
    content = json.dumps(body).encode()
    return world.owner.client.request(method, url, content=content).status_code


@FUZZ
@given(body=bodies)
def test_adding_a_webhook_never_fails_on_the_server(
    world: World, database: Database, body: Any
) -> None:
    before = webhook_count(database)

    status = send(world, "POST", webhooks_url(world), body)

    assert status in {201, 400, 409, 422}
    assert webhook_count(database) == before + (status == 201)


@FUZZ
@given(body=bodies)
def test_changing_a_webhook_never_fails_on_the_server(world: World, body: Any) -> None:
    url = f"{webhooks_url(world)}/{create_webhook(world)['id']}"
    before = world.owner.client.get(url).json()

    status = send(world, "PATCH", url, body)

    assert status in {200, 400, 409, 422}
    if status != 200:
        assert world.owner.client.get(url).json() == before
    world.owner.client.delete(url)
