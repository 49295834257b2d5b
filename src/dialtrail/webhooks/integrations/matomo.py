"""Matomo's HTTP tracking API (docs/integrations.md, "Matomo"): pure rules of its settings,
checked on save, and the request a call event becomes.

A call is an event (``e_c`` category and ``e_a`` action, both required by Matomo, ``e_n``
name and ``e_v`` value, a number) of the visitor the script read from ``_pk_id`` (``_id``, 16
hex digits), at the call's time (``cdt``, in UTC; Matomo takes a time older than 24 hours
only with ``token_auth``, which is therefore always sent), with the visit's campaign
(``_rcn``, ``_rck``), page and browser, and catalogue values as custom dimensions
(``dimension<ID>``). The parameters go in a POST body, so the token never appears in a URL
or a log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from dialtrail.webhooks.render import (
    DateWriter,
    NotSent,
    RenderedRequest,
    WebhookSpec,
    parameter_value,
)

EVENT_FIELDS = ("e_c", "e_a", "e_n", "e_v")
REQUIRED = ("e_c", "e_a")
DIMENSION = re.compile(r"dimension([1-9][0-9]{0,5})")
MAX_TEXT = 1000  # Matomo cuts longer event and dimension values; so does Dialtrail, visibly
TOKEN = re.compile(r"[A-Za-z0-9]{16,64}")
DEFAULT_PARAMETERS = [
    {"name": "e_c", "constant": "Phone calls"},
    {"name": "e_a", "value": "call.disposition"},
]


def check_parameter_name(text: str) -> str:
    if text in EVENT_FIELDS or DIMENSION.fullmatch(text):
        return text
    raise ValueError(
        "a Matomo parameter is e_c (event category), e_a (action), e_n (name), e_v (value) or "
        "dimension<ID> (a custom dimension's id, such as dimension3)"
    )


def check_site_id(value: int) -> int:
    if value < 1:
        raise ValueError("a Matomo site id is a whole number from 1 (Administration → Websites)")
    return value


def check_token(text: str) -> str:
    if not TOKEN.fullmatch(text):
        raise ValueError(
            "a Matomo token_auth has 16 to 64 letters and digits (Administration → Personal → "
            "Security → Auth tokens)"
        )
    return text


def tracker_url(base: str) -> str:
    """The tracking endpoint of a Matomo installation's address (given with it or without)."""
    base = base.rstrip("/")
    return base if base.endswith("/matomo.php") else base + "/matomo.php"


def render(
    spec: WebhookSpec,
    event_type: str,
    timestamp: datetime,
    data: Mapping[str, Any],
    now: datetime,
    *,
    validate: bool = False,
) -> RenderedRequest:
    """The tracking request for one call event, or NotSent: without the visitor's id the
    call would count as a visit of a made-up visitor."""
    visit = data.get("visit") or {}
    visitor_id = visit.get("matomo_visitor_id")
    if not visitor_id:
        raise NotSent("the visit has no Matomo visitor id (no _pk_id cookie was seen)")
    fields: dict[str, Any] = {
        "idsite": spec.settings["site_id"],
        "rec": 1,
        "apiv": 1,
        "send_image": 0,
        "_id": visitor_id,
        "cdt": timestamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "token_auth": spec.settings["token_auth"],
        **visit_fields(visit),
        **chosen(spec, data),
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    shown = {**fields, "token_auth": "••••"}  # pages and the API show the request, not the token
    return RenderedRequest(
        "POST", spec.url, headers, form_body(fields), shown_body=form_body(shown)
    )


def form_body(fields: Mapping[str, Any]) -> bytes:
    return urlencode({name: text(value) for name, value in fields.items()}).encode()


def visit_fields(visit: Mapping[str, Any]) -> dict[str, Any]:
    """The visit's campaign (name and keyword), page and browser, those it had."""
    pairs = {
        "_rcn": visit.get("utm_campaign"),
        "_rck": visit.get("utm_term"),
        "url": visit.get("page_url"),
        "ua": visit.get("user_agent"),
    }
    return {name: value for name, value in pairs.items() if value}


def chosen(spec: WebhookSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    dates = DateWriter("iso8601", spec.timezone)
    fields: dict[str, Any] = {}
    for parameter in spec.parameters:
        value = parameter_value(parameter, data, dates)
        if parameter["name"] == "e_v":
            value = number_or_none(value)
        if value is not None and value != "":
            fields[parameter["name"]] = value
    return {**category_and_action(spec, data, dates), **fields}


def category_and_action(
    spec: WebhookSpec, data: Mapping[str, Any], dates: DateWriter
) -> dict[str, Any]:
    """Matomo drops an event without a category and an action, so neither is ever sent empty:
    one no parameter names is the default's (e_c "Phone calls", e_a the call's disposition),
    one whose value the call lacks is "(none)"."""
    named = {parameter["name"] for parameter in spec.parameters}
    defaults = {
        default["name"]: parameter_value(default, data, dates)
        for default in DEFAULT_PARAMETERS
        if default["name"] not in named
    }
    return {name: defaults.get(name) or "(none)" for name in REQUIRED}


def number_or_none(value: Any) -> float | int | None:
    """e_v is a number to Matomo; anything else is left out rather than refused there."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value))
    except ValueError:
        return None


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)[:MAX_TEXT]
