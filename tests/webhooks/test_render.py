"""Rendering a webhook request from an event: formats, names, dates, missing values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from dialtrail.webhooks.render import BodyTooLarge, WebhookSpec, render

AT = datetime(2026, 11, 27, 10, 18, 41, tzinfo=UTC)
DATA: dict[str, Any] = {
    "call": {
        "id": 7,
        "caller": "+14155550100",
        "started_at": "2026-11-27T10:15:00Z",
        "ended_at": "2026-11-27T10:18:41Z",
        "talk_seconds": 212,
        "is_first_call": True,
        "recording_url": None,
    },
    "visit": {"ga_client_id": "123.456", "utm_source": "google"},
    "entities": {
        "visit_id": {
            "value": "v-42",
            "observed_at": "2026-11-27T10:14:00Z",
            "page_url": "https://shop.example.com/",
        },
        "cart": {"value": None, "observed_at": None, "page_url": None},
    },
    "project": {"id": 1, "name": "Shop"},
}
PARAMETERS = [
    {"name": "visit id", "value": "entity.visit_id"},
    {"name": "ga", "value": "visit.ga_client_id"},
    {"name": "клиент[телефон]", "value": "call.caller"},
    {"name": "cart", "value": "entity.cart"},
    {"name": "never_seen", "value": "entity.gone"},
    {"name": "first", "value": "call.is_first_call"},
    {"name": "talk", "value": "call.talk_seconds"},
    {"name": "source", "constant": "dialtrail & co"},
]


def spec(**fields: Any) -> WebhookSpec:
    return WebhookSpec(url="https://crm.example.com/hook?team=5", **fields)


def test_json_keeps_types_and_sends_null_for_missing_values() -> None:
    request = render(spec(parameters=PARAMETERS), "call.completed", AT, DATA)

    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "visit id": "v-42",
        "ga": "123.456",
        "клиент[телефон]": "+14155550100",
        "cart": None,
        "never_seen": None,
        "first": True,
        "talk": 212,
        "source": "dialtrail & co",
    }
    assert list(json.loads(request.body)) == [parameter["name"] for parameter in PARAMETERS]


def test_form_encodes_any_name_and_sends_empty_strings_for_missing_values() -> None:
    request = render(spec(parameters=PARAMETERS, format="form"), "call.completed", AT, DATA)

    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body.decode(), keep_blank_values=True) == [
        ("visit id", "v-42"),
        ("ga", "123.456"),
        ("клиент[телефон]", "+14155550100"),
        ("cart", ""),
        ("never_seen", ""),
        ("first", "true"),
        ("talk", "212"),
        ("source", "dialtrail & co"),
    ]


@pytest.mark.parametrize(("method", "format_"), [("POST", "query"), ("GET", "json")])
def test_query_puts_parameters_after_the_urls_own_query(method: str, format_: str) -> None:
    request = render(
        spec(parameters=PARAMETERS[:3], method=method, format=format_), "call.started", AT, DATA
    )

    assert request.body == b""
    assert "Content-Type" not in request.headers
    assert request.method == method
    query = parse_qsl(urlsplit(request.url).query)
    assert query == [
        ("team", "5"),
        ("visit id", "v-42"),
        ("ga", "123.456"),
        ("клиент[телефон]", "+14155550100"),
    ]


@pytest.mark.parametrize(
    ("date_format", "expected"),
    [
        ("iso8601", "2026-11-27T12:15:00+02:00"),
        ("unix", 1795774500),
        ("unix_ms", 1795774500000),
        ("%d.%m.%Y %H:%M", "27.11.2026 12:15"),
    ],
)
def test_dates_are_written_in_the_project_time_zone(date_format: str, expected: Any) -> None:
    parameters = [{"name": "start", "value": "call.started_at"}]
    webhook = spec(parameters=parameters, date_format=date_format, timezone="Europe/Kyiv")

    assert json.loads(render(webhook, "call.started", AT, DATA).body) == {"start": expected}


def test_without_parameters_the_body_is_the_whole_event() -> None:
    body = json.loads(render(spec(timezone="Europe/Kyiv"), "call.completed", AT, DATA).body)

    assert body["type"] == "call.completed"
    assert body["timestamp"] == "2026-11-27T12:18:41+02:00"
    assert body["data"]["call"]["started_at"] == "2026-11-27T12:15:00+02:00"
    assert body["data"]["call"]["talk_seconds"] == 212
    assert body["data"]["visit"] == DATA["visit"]
    assert body["data"]["entities"]["visit_id"] == {
        "value": "v-42",
        "observed_at": "2026-11-27T12:14:00+02:00",
        "page_url": "https://shop.example.com/",
    }
    assert body["data"]["project"] == {"id": 1, "name": "Shop"}


def test_an_unattributed_call_has_empty_visit_values() -> None:
    bare = {"call": DATA["call"], "visit": {}, "entities": {}, "project": DATA["project"]}
    request = render(spec(parameters=PARAMETERS[:2], format="form"), "call.started", AT, bare)

    assert request.body == b"visit+id=&ga="


def test_a_body_over_64_kb_is_refused() -> None:
    huge = {**DATA, "visit": {"ga_client_id": "x" * 70_000}}
    with pytest.raises(BodyTooLarge, match="at most 65536"):
        render(spec(parameters=PARAMETERS[:2]), "call.started", AT, huge)


def test_headers_are_sent_as_given() -> None:
    request = render(spec(headers={"Authorization": "Bearer crm-token"}), "call.started", AT, DATA)

    assert request.headers == {
        "Authorization": "Bearer crm-token",
        "Content-Type": "application/json",
    }
