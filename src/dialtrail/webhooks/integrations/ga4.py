"""Google Analytics 4's Measurement Protocol (docs/integrations.md, "GA4"): pure rules of its
settings, checked on save, and the request a call event becomes.

The rules are GA4's own, as its documentation states them: an event name starts with a letter
and has only letters, digits and underscores, at most 40 characters, and is none of the names
and prefixes GA4 reserves; an event has at most 25 parameters, whose names follow the same
pattern (at most 40 characters, no reserved name or prefix) and whose values have at most 100
characters. GA4 accepts events up to 72 hours old (``timestamp_micros``). Its collection
endpoint answers 2xx whatever the body holds; its validation endpoint (``/debug/mp/collect``),
which the test send uses, answers the problems as ``validationMessages``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from dialtrail.webhooks.render import DateWriter, NotSent, RenderedRequest, WebhookSpec, value_of
from dialtrail.webhooks.rules import check_url

HOSTS: dict[str, str] = {
    "global": "https://www.google-analytics.com",
    "eu": "https://region1.google-analytics.com",
}
MEASUREMENT_ID = re.compile(r"G-[A-Z0-9]{4,20}")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MAX_NAME_LENGTH = 40
MAX_VALUE_LENGTH = 100
MAX_EVENT_PARAMETERS = 25
# Sent with every event (GA4 needs them to place the event in the visitor's session and count
# it as engaged), so they take three of the 25 places and no parameter may use their names.
AUTOMATIC_PARAMETERS = ("session_id", "session_number", "engagement_time_msec")
MAX_PARAMETERS = MAX_EVENT_PARAMETERS - len(AUTOMATIC_PARAMETERS)
RESERVED_EVENT_NAMES = frozenset(
    (
        "ad_activeview",
        "ad_click",
        "ad_exposure",
        "ad_impression",
        "ad_query",
        "ad_reward",
        "adunit_exposure",
        "app_background",
        "app_clear_data",
        "app_exception",
        "app_install",
        "app_remove",
        "app_store_refund",
        "app_store_subscription_cancel",
        "app_store_subscription_convert",
        "app_store_subscription_renew",
        "app_update",
        "app_upgrade",
        "click",
        "dynamic_link_app_open",
        "dynamic_link_app_update",
        "dynamic_link_first_open",
        "error",
        "file_download",
        "firebase_campaign",
        "firebase_in_app_message_action",
        "firebase_in_app_message_dismiss",
        "firebase_in_app_message_impression",
        "first_open",
        "first_visit",
        "form_start",
        "form_submit",
        "in_app_purchase",
        "notification_dismiss",
        "notification_foreground",
        "notification_open",
        "notification_receive",
        "os_update",
        "page_view",
        "screen_view",
        "scroll",
        "session_start",
        "user_engagement",
        "video_complete",
        "video_progress",
        "video_start",
        "view_complete",  # listed so in GA4's own table of reserved web event names
        "view_search_results",
    )
)
RESERVED_PREFIXES = ("_", "firebase_", "ga_", "google_", "gtag.")
RESERVED_PARAMETER_NAMES = frozenset((*AUTOMATIC_PARAMETERS, "gclid", "firebase_conversion"))
MAX_AGE = timedelta(hours=72)
DEFAULT_EVENT_NAME = "phone_call"


def check_measurement_id(text: str) -> str:
    if not MEASUREMENT_ID.fullmatch(text):
        raise ValueError(
            "a GA4 measurement id is G- and 4 to 20 capital letters and digits, such as "
            "G-K3Q9ZL2M7P (Admin → Data streams → your web stream → Measurement ID)"
        )
    return text


def check_name(text: str, what: str) -> str:
    """An event or parameter name as GA4 accepts it."""
    if len(text) > MAX_NAME_LENGTH:
        raise ValueError(f"GA4 allows at most {MAX_NAME_LENGTH} characters (this has {len(text)})")
    prefix = next((prefix for prefix in RESERVED_PREFIXES if text.startswith(prefix)), None)
    if prefix is not None:
        raise ValueError(f"GA4 reserves {what}s starting with {prefix!r}")
    if not NAME.fullmatch(text):
        raise ValueError(
            f"a GA4 {what} starts with a letter and has only letters, digits and underscores"
        )
    return text


def check_event_name(text: str) -> str:
    check_name(text, "event name")
    if text in RESERVED_EVENT_NAMES:
        raise ValueError(
            f"GA4 reserves the event name {text!r}; choose another, such as phone_call"
        )
    return text


def check_parameter_name(text: str) -> str:
    check_name(text, "parameter name")
    if text in RESERVED_PARAMETER_NAMES:
        sent = " (Dialtrail sends it itself)" if text in AUTOMATIC_PARAMETERS else ""
        raise ValueError(f"GA4 reserves the parameter name {text!r}{sent}")
    return text


def check_constant(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
        raise ValueError(f"GA4 keeps at most {MAX_VALUE_LENGTH} characters of a value")
    return value


def check_endpoint(text: str) -> str:
    """global, eu, or an address (a server-side Tag Manager container's) as webhooks take it;
    whether Dialtrail may send there is checked on save (a private address)."""
    if text in HOSTS:
        return text
    if not text.startswith(("https://", "http://")):
        raise ValueError("global, eu, or the https:// address of a server-side Tag Manager")
    return check_url(text)


def collect_url(settings: Mapping[str, Any], *, validate: bool = False) -> str:
    """The endpoint without its query: the validation endpoint for a test send. ``endpoint``
    is global, eu (data collected in the EU), or the address of a server-side Tag Manager
    container, which takes the Measurement Protocol at the same paths."""
    path = "/debug/mp/collect" if validate else "/mp/collect"
    endpoint = str(settings.get("endpoint") or "global")
    return HOSTS.get(endpoint, endpoint.rstrip("/")) + path


def render(
    spec: WebhookSpec,
    event_type: str,
    timestamp: datetime,
    data: Mapping[str, Any],
    now: datetime,
    *,
    validate: bool = False,
) -> RenderedRequest:
    """The Measurement Protocol request for one call event, or NotSent saying why none is made:
    a visit without a GA client id is never sent with a made-up one, and GA4 drops events
    older than 72 hours."""
    visit = data.get("visit") or {}
    client_id = visit.get("ga_client_id")
    if not client_id:
        raise NotSent("the visit has no Google Analytics client id (no _ga cookie was seen)")
    if now - timestamp > MAX_AGE:
        raise NotSent(
            f"the call event is {hours(now - timestamp)} hours old; GA4 accepts events up to "
            "72 hours old"
        )
    body = {
        "client_id": client_id,
        "timestamp_micros": int(timestamp.timestamp() * 1_000_000),
        "events": [{"name": spec.settings["event_name"], "params": params(spec, data)}],
    }
    settings = spec.settings
    query = {"measurement_id": settings["measurement_id"], "api_secret": settings["api_secret"]}
    base = collect_url(settings, validate=validate)
    shown = {**query, "api_secret": "••••"}
    return RenderedRequest(
        "POST",
        f"{base}?{urlencode(query)}",
        {"Content-Type": "application/json"},
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        shown_url=f"{base}?{urlencode(shown)}",
    )


def params(spec: WebhookSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    """The session's id and number when the visit had them, the engagement time (the talk
    time of a completed call, else 1 ms: GA4 shows only engaged events in its real-time
    report), then the chosen parameters; a missing value is left out (GA4 has no null)."""
    visit, call = data.get("visit") or {}, data.get("call") or {}
    chosen: dict[str, Any] = {}
    if visit.get("ga_session_id"):
        chosen["session_id"] = str(visit["ga_session_id"])
        if visit.get("ga_session_number"):
            chosen["session_number"] = int(visit["ga_session_number"])
    chosen["engagement_time_msec"] = max(1, int(call.get("talk_seconds") or 0) * 1000)
    dates = DateWriter("iso8601", spec.timezone)
    for parameter in spec.parameters:
        if "value" in parameter:
            value = value_of(parameter["value"], data, dates)
        else:
            value = parameter.get("constant")
        if value is not None:
            chosen[parameter["name"]] = ga4_value(value)
    return chosen


def ga4_value(value: Any) -> str | int | float:
    """GA4 takes text and numbers: a yes/no becomes 1 or 0, text its first 100 characters."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    return str(value)[:MAX_VALUE_LENGTH]


def hours(age: timedelta) -> int:
    return int(age.total_seconds() // 3600)
