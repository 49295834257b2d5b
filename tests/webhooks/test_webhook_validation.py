"""Every rule of a webhook's configuration: a 422 that names the field, and nothing stored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.databases import Database
from tests.support.people import World, declare_entity
from tests.support.webhooks import create_webhook, webhook_body, webhook_count, webhooks_url

pytestmark = pytest.mark.storage_agnostic

MAPPED = {"name": "ga", "value": "visit.ga_client_id"}

REFUSED: list[tuple[dict[str, Any], str, str]] = [
    ({"name": ""}, "name", "at least 1 character"),
    ({"name": "x" * 201}, "name", "at most 200"),
    ({"events": []}, "events", "at least 1 item"),
    ({"events": ["call.ended"]}, "events.0", "call.completed"),
    ({"events": ["call.started", "call.started"]}, "events.1", "listed twice"),
    ({"url": "ftp://crm.example.com/"}, "url", "http:// or https://"),
    ({"url": "crm.example.com/hook"}, "url", "http:// or https://"),
    ({"url": "https:///hook"}, "url", "needs a host"),
    ({"url": "https://user:pw@crm.example.com/"}, "url", "in a header"),
    ({"url": "https://crm.example.com:99999/"}, "url", "port"),
    ({"url": "https://crm.example.com/a b"}, "url", "spaces"),
    ({"url": "https://crm.example.com/#top"}, "url", "fragment"),
    ({"url": "https://crm.example.com/" + "a" * 2000}, "url", "at most 2000"),
    ({"method": "DELETE"}, "method", "'GET'"),
    ({"format": "xml"}, "format", "'query'"),
    ({"method": "GET", "format": "form"}, "format", "GET request has no body"),
    ({"parameters": [{"name": "", "value": "call.id"}]}, "parameters.0.name", "needs a name"),
    ({"parameters": [{"name": "x" * 201, "value": "call.id"}]}, "parameters.0.name", "200"),
    ({"parameters": [{"name": "a\nb", "value": "call.id"}]}, "parameters.0.name", "control"),
    ({"parameters": [{"name": " ga", "value": "call.id"}]}, "parameters.0.name", "space"),
    ({"parameters": [MAPPED, MAPPED]}, "parameters.1.name", "already the name of parameters.0"),
    ({"parameters": [{"name": "a"}]}, "parameters.0", "not neither"),
    (
        {"parameters": [{"name": "a", "value": "call.id", "constant": "b"}]},
        "parameters.0",
        "not both",
    ),
    ({"parameters": [{"name": "a", "value": "call.talk"}]}, "parameters.0.value", "catalogue"),
    (
        {"parameters": [MAPPED, MAPPED | {"name": "b"}, {"name": "c", "value": "visit.gaclid"}]},
        "parameters.2.value",
        "did you mean visit.gclid?",
    ),
    (
        {"parameters": [{"name": "a", "value": "entity.nope"}]},
        "parameters.0.value",
        "no tracking entity named 'nope'",
    ),
    ({"parameters": [{"name": "a", "constant": {"x": 1}}]}, "parameters.0.constant", ""),
    ({"parameters": [{"name": "a", "constant": "x" * 2001}]}, "parameters.0.constant", "2000"),
    ({"parameters": [{"name": f"p{i}", "constant": 1} for i in range(101)]}, "parameters", "100"),
    ({"parameters": [{"name": "a", "value": "call.id", "colour": 1}]}, "parameters.0.colour", ""),
    ({"headers": {"Bad Name": "x"}}, "headers.Bad Name", "not a valid header name"),
    ({"headers": {"Host": "x"}}, "headers.Host", "Dialtrail sets Host itself"),
    ({"headers": {"content-type": "x"}}, "headers.content-type", "Dialtrail sets"),
    ({"headers": {"User-Agent": "x"}}, "headers.User-Agent", "Dialtrail sets"),
    ({"headers": {"webhook-signature": "x"}}, "headers.webhook-signature", "Dialtrail sets"),
    ({"headers": {"Content-Length": "1"}}, "headers.Content-Length", "Dialtrail sets"),
    ({"headers": {"Transfer-Encoding": "x"}}, "headers.Transfer-Encoding", "connection"),
    ({"headers": {"Connection": "close"}}, "headers.Connection", "connection"),
    ({"headers": {"X-Key": "a\r\nX-Evil: 1"}}, "headers.X-Key", "line breaks"),
    ({"headers": {"X-Key": "ключ"}}, "headers.X-Key", "ASCII"),
    ({"headers": {"X-Key": "••••1234"}}, "headers.X-Key", "masked value"),
    ({"headers": {"X-Key": "a", "x-key": "b"}}, "headers.x-key", "ignore case"),
    ({"headers": {f"X-{i}": "v" for i in range(21)}}, "headers", "20"),
    ({"filters": [{"field": "call.talk", "op": "eq", "value": 1}]}, "filters.0.field", "catalogue"),
    ({"filters": [{"field": "entity.nope", "op": "exists"}]}, "filters.0.field", "no tracking"),
    ({"filters": [{"field": "call.id", "op": "like", "value": 1}]}, "filters.0.op", "'eq'"),
    ({"filters": [{"field": "call.caller", "op": "gt", "value": "+1"}]}, "filters.0.op", "numbers"),
    ({"filters": [{"field": "call.id", "op": "contains", "value": "1"}]}, "filters.0.op", "text"),
    (
        {"filters": [{"field": "call.is_first_call", "op": "in", "value": [True]}]},
        "filters.0.op",
        "boolean",
    ),
    (
        {"filters": [{"field": "call.talk_seconds", "op": "gt", "value": "30"}]},
        "filters.0.value",
        "whole number",
    ),
    (
        {"filters": [{"field": "call.talk_seconds", "op": "eq", "value": True}]},
        "filters.0.value",
        "whole number",
    ),
    ({"filters": [{"field": "call.caller", "op": "eq", "value": 5}]}, "filters.0.value", "text"),
    (
        {"filters": [{"field": "call.is_first_call", "op": "eq", "value": "yes"}]},
        "filters.0.value",
        "true or false",
    ),
    (
        {"filters": [{"field": "call.started_at", "op": "gt", "value": "2026-11-27T10:00:00"}]},
        "filters.0.value",
        "with a zone",
    ),
    (
        {"filters": [{"field": "call.started_at", "op": "lt", "value": "yesterday"}]},
        "filters.0.value",
        "ISO 8601",
    ),
    (
        {"filters": [{"field": "call.disposition", "op": "in", "value": "answered"}]},
        "filters.0.value",
        "non-empty list",
    ),
    ({"filters": [{"field": "call.disposition", "op": "in", "value": []}]}, "filters.0.value", ""),
    (
        {"filters": [{"field": "call.disposition", "op": "not_in", "value": ["busy", 3]}]},
        "filters.0.value",
        "(item 1)",
    ),
    (
        {"filters": [{"field": "visit.gclid", "op": "exists", "value": "x"}]},
        "filters.0.value",
        "takes no value",
    ),
    (
        {"filters": [{"field": "visit.gclid", "op": "contains", "value": ""}]},
        "filters.0.value",
        "some text",
    ),
    ({"date_format": "%Y-%m-%d %e"}, "date_format", "%e is not a portable"),
    ({"date_format": "%s"}, "date_format", "%s is not a portable"),
    ({"date_format": "%-d.%m"}, "date_format", "%- is not a portable"),
    ({"date_format": "dd.mm.yyyy"}, "date_format", "at least one directive"),
    ({"date_format": "100%%"}, "date_format", "at least one directive"),
    ({"date_format": "%Y %"}, "date_format", "lone %"),
    ({"date_format": "%Y" * 51}, "date_format", "at most 100"),
    ({"date_format": "%Y\ud800"}, "date_format", "lone surrogate"),
    ({"parameters": [{"name": "a\ud800", "constant": 1}]}, "parameters", "lone surrogate"),
    ({"filters": [{"field": "call.caller", "op": "in", "value": ["\ud800"]}]}, "filters", "lone"),
    ({"enabled": "sometimes"}, "enabled", ""),
    ({"secret": "whsec_mine"}, "secret", "unknown field"),
]


@pytest.mark.parametrize(
    ("fields", "field", "words"), REFUSED, ids=[f"{case[1]}:{case[2]}" for case in REFUSED]
)
def test_it_refuses_a_bad_field_and_names_it(
    world: World, database: Database, fields: dict[str, Any], field: str, words: str
) -> None:
    # json.dumps escapes a lone surrogate, which httpx's json= cannot send.
    body = json.dumps(webhook_body(**fields)).encode()
    response = world.owner.client.post(webhooks_url(world), content=body)

    assert response.status_code == 422, response.text
    problems = response.json()["fields"]
    assert [problem["field"] for problem in problems] == [field], problems
    assert words in problems[0]["message"]
    assert webhook_count(database) == 0


def test_it_names_every_problem_at_once(world: World) -> None:
    body = webhook_body(
        url="mailto:crm@example.com",
        parameters=[MAPPED, {"name": "x", "value": "visit.nothing"}],
        filters=[{"field": "call.id", "op": "gt", "value": "1"}],
        date_format="plain",
    )

    response = world.owner.client.post(webhooks_url(world), json=body)

    fields = [problem["field"] for problem in response.json()["fields"]]
    assert fields == ["url", "parameters.1.value", "filters.0.value", "date_format"]
    assert response.json()["message"].startswith("url: the URL must start with http")


def test_a_refused_change_leaves_the_webhook_as_it_was(world: World) -> None:
    created = create_webhook(world, parameters=[MAPPED])
    url = f"{webhooks_url(world)}/{created['id']}"
    before = world.owner.client.get(url).json()

    response = world.owner.client.patch(
        url, json={"name": "changed", "parameters": [MAPPED, MAPPED]}
    )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "parameters.1.name"
    assert world.owner.client.get(url).json() == before


def test_entity_keys_are_those_of_this_project(world: World) -> None:
    declare_entity(world, name="visit_id")
    other_entity = world.outsider.client.post(
        f"/api/v1/projects/{world.other_project_id}/tracking-entities",
        json={"name": "crm_id", "type": "simple", "value": "crm.id"},
    )
    assert other_entity.status_code == 201

    mine = {"name": "v", "value": "entity.visit_id"}
    theirs = {"name": "c", "value": "entity.crm_id"}
    response = world.owner.client.post(
        webhooks_url(world), json=webhook_body(parameters=[mine, theirs])
    )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "parameters.1.value"
    assert "its entities: visit_id" in response.json()["fields"][0]["message"]


@pytest.mark.parametrize(
    "pattern", ["iso8601", "unix", "unix_ms", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y", "at %H:%M %Z"]
)
def test_it_accepts_named_and_strftime_date_formats(world: World, pattern: str) -> None:
    assert create_webhook(world, date_format=pattern)["date_format"] == pattern


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "https://[2001:db8::1]/hook",
        "https://crm.example.com/hook?token=abc&x=1",
        "HTTPS://CRM.example.com",
        "https://приклад.укр/hook",
    ],
)
def test_it_accepts_urls_with_ports_queries_and_addresses(world: World, url: str) -> None:
    assert create_webhook(world, url=url)["url"] == url
