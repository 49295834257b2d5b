"""Rendering a webhook's request from an event (docs/design.md §6): pure, values in, request out.

The event's data is ``{"call": {…}, "visit": {…}, "entities": {name: {value, observed_at,
page_url}}, "project": {…}}`` as stored in the outbox. Parameters pick values from it by catalogue
key; with no parameters the body is the full event. Dates are written in the webhook's
``date_format`` in the project's time zone. A missing value is ``null`` in JSON and an empty
string in ``form`` and ``query``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from dialtrail.webhooks.catalogue import BY_KEY, ENTITY_PREFIX

MAX_BODY_BYTES = 64 * 1024
CONTENT_TYPES = {"json": "application/json", "form": "application/x-www-form-urlencoded"}


class BodyTooLarge(ValueError):
    """The rendered body exceeds docs/design.md §6's 64 KB: retrying cannot help."""


class NotSent(Exception):
    """An integration makes no request for this event, for the reason given (a GA4 event
    without a client id, or older than GA4 accepts): the delivery is set aside, not failed."""


@dataclass(frozen=True)
class WebhookSpec:
    """What rendering needs of a webhook (header values already unsealed)."""

    url: str
    method: str = "POST"
    format: str = "json"
    parameters: list[dict[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    date_format: str = "iso8601"
    timezone: str = "UTC"
    # "webhook", or the integration that renders the request (webhooks/integrations/), with
    # its settings (secrets unsealed).
    kind: str = "webhook"
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    # The URL and body as logs and pages show them, when they carry a secret (GA4's api_secret
    # in the URL, Matomo's token_auth in the body); empty: as they are.
    shown_url: str = ""
    shown_body: bytes = b""

    @property
    def logged_url(self) -> str:
        return self.shown_url or self.url

    @property
    def logged_body(self) -> bytes:
        return self.shown_body or self.body


def render(
    spec: WebhookSpec, event_type: str, timestamp: datetime, data: Mapping[str, Any]
) -> RenderedRequest:
    dates = DateWriter(spec.date_format, spec.timezone)
    if spec.parameters:
        pairs = [
            (parameter["name"], parameter_value(parameter, data, dates))
            for parameter in spec.parameters
        ]
    else:
        pairs = list(full_event(event_type, timestamp, data, dates).items())
    method = spec.method.upper()
    form = "query" if method == "GET" else spec.format
    request = encoded(spec, method, form, pairs)
    if len(request.body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"the body would be {len(request.body)} bytes; at most {MAX_BODY_BYTES}")
    return request


def encoded(
    spec: WebhookSpec, method: str, form: str, pairs: list[tuple[str, Any]]
) -> RenderedRequest:
    headers = dict(spec.headers)
    if form == "query":
        return RenderedRequest(method, with_query(spec.url, text_pairs(pairs)), headers, b"")
    headers["Content-Type"] = CONTENT_TYPES[form]
    if form == "form":
        body = urlencode(text_pairs(pairs)).encode()
    else:
        body = json.dumps(dict(pairs), ensure_ascii=False, separators=(",", ":")).encode()
    return RenderedRequest(method, spec.url, headers, body)


def with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    """Adds the parameters after the URL's own query, which is kept as it is."""
    parts = urlsplit(url)
    added = urlencode(pairs)
    query = "&".join(part for part in (parts.query, added) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def text_pairs(pairs: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(name, as_text(value)) for name, value in pairs]


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def parameter_value(
    parameter: Mapping[str, str], data: Mapping[str, Any], dates: DateWriter
) -> Any:
    if "constant" in parameter:
        return parameter["constant"]
    return value_of(parameter["value"], data, dates)


def value_of(key: str, data: Mapping[str, Any], dates: DateWriter) -> Any:
    """The value of a catalogue key in the event; None when the event has none (an
    unattributed call has no visit; an entity may never have been seen)."""
    if key.startswith(ENTITY_PREFIX):
        snapshot = (data.get("entities") or {}).get(key.removeprefix(ENTITY_PREFIX))
        return snapshot.get("value") if isinstance(snapshot, Mapping) else None
    group, _, name = key.partition(".")
    value = (data.get(group) or {}).get(name)
    field_ = BY_KEY.get(key)
    if field_ is not None and field_.type == "datetime":
        return dates.write(value)
    return value


def flat_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Every catalogue key of the event with its raw value (dates as stored), for filters."""
    values: dict[str, Any] = {}
    for group in ("call", "visit", "project"):
        for name, value in (data.get(group) or {}).items():
            values[f"{group}.{name}"] = value
    for name, snapshot in (data.get("entities") or {}).items():
        values[ENTITY_PREFIX + name] = (
            snapshot.get("value") if isinstance(snapshot, Mapping) else None
        )
    return values


def full_event(
    event_type: str, timestamp: datetime, data: Mapping[str, Any], dates: DateWriter
) -> dict[str, Any]:
    """The body of a webhook without parameters: the whole event."""
    body = {
        group: {
            name: dated(f"{group}.{name}", value, dates)
            for name, value in (data.get(group) or {}).items()
        }
        for group in ("call", "visit")
    }
    entities = {
        name: {**snapshot, "observed_at": dates.write(snapshot.get("observed_at"))}
        for name, snapshot in (data.get("entities") or {}).items()
        if isinstance(snapshot, Mapping)
    }
    return {
        "type": event_type,
        "timestamp": dates.write(timestamp),
        "data": {**body, "entities": entities, "project": dict(data.get("project") or {})},
    }


def dated(key: str, value: Any, dates: DateWriter) -> Any:
    field_ = BY_KEY.get(key)
    return dates.write(value) if field_ is not None and field_.type == "datetime" else value


class DateWriter:
    def __init__(self, date_format: str, timezone: str) -> None:
        self.date_format = date_format
        self.zone = ZoneInfo(timezone)

    def write(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        local = moment.astimezone(self.zone)
        if self.date_format == "iso8601":
            return local.isoformat()
        if self.date_format == "unix":
            return int(moment.timestamp())
        if self.date_format == "unix_ms":
            return int(moment.timestamp() * 1000)
        return local.strftime(self.date_format)
