"""Checks of the requests Dialtrail sends to analytics tools, written from the tools' documented
protocols (not from Dialtrail's code), so a test fails when a request would be refused or
mis-read there.

- GA4 Measurement Protocol ("Send Measurement Protocol events", "Measurement Protocol
  reference", "Event naming rules"): POST JSON to /mp/collect (or /debug/mp/collect) with
  measurement_id and api_secret in the query; the body has client_id (string), an optional
  timestamp_micros (integer, at most 72 hours in the past), and events: 1 to 25 objects with a
  name (a letter first, then letters, digits and underscores, at most 40 characters, not a
  reserved name or prefix) and params (at most 25; names like event names, at most 40
  characters; values strings of at most 100 characters, or numbers); session_id and
  engagement_time_msec as params place the event in the session and in real-time reports.
- Matomo Tracking HTTP API: GET or POST to matomo.php; idsite (required, integer), rec=1
  (required), _id (16 hexadecimal characters), e_c and e_a (required for an event), e_n, e_v (a
  number), cdt (UTC datetime "YYYY-MM-DD HH:MM:SS" or a Unix timestamp; older than 24 hours
  only with token_auth), _rcn/_rck (campaign name and keyword), dimension<ID>.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from tests.support.receiver import Received

GA4_RESERVED_EVENTS = {
    "ad_impression", "app_remove", "app_store_refund", "app_store_subscription_cancel",
    "app_store_subscription_renew", "click", "error", "file_download", "first_open",
    "first_visit", "form_start", "form_submit", "in_app_purchase", "page_view", "scroll",
    "session_start", "user_engagement", "view_complete", "video_progress", "video_start",
    "view_search_results",
}  # fmt: skip
GA4_BODY_FIELDS = {
    "client_id", "user_id", "timestamp_micros", "events", "user_properties", "consent",
    "non_personalized_ads", "user_data",
}  # fmt: skip
GA4_RESERVED_PREFIXES = ("_", "firebase_", "ga_", "google_", "gtag.")
GA4_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")


def ga4_request(received: Received, now: datetime) -> dict[str, Any]:
    """The request's body once every documented rule holds; its query as ``query``."""
    assert received.method == "POST"
    assert received.path in ("/mp/collect", "/debug/mp/collect")
    assert received.headers["content-type"].startswith("application/json")
    query = {name: values for name, values in parse_qs(received.query).items()}
    assert set(query) == {"measurement_id", "api_secret"}
    assert re.fullmatch(r"G-[A-Z0-9]+", query["measurement_id"][0])
    body: dict[str, Any] = json.loads(received.body)
    assert set(body) <= GA4_BODY_FIELDS
    assert isinstance(body["client_id"], str)
    assert body["client_id"]
    stamp = body["timestamp_micros"]
    assert isinstance(stamp, int)
    moment = datetime.fromtimestamp(stamp / 1_000_000, UTC)
    assert now - timedelta(hours=72) <= moment <= now + timedelta(minutes=1)
    assert 1 <= len(body["events"]) <= 25
    for event in body["events"]:
        check_ga4_event(event)
    return {**body, "query": {name: values[0] for name, values in query.items()}}


def check_ga4_event(event: dict[str, Any]) -> None:
    assert set(event) == {"name", "params"}
    name = event["name"]
    assert GA4_NAME.fullmatch(name), name
    assert name not in GA4_RESERVED_EVENTS
    assert not name.startswith(GA4_RESERVED_PREFIXES)
    params = event["params"]
    assert len(params) <= 25
    for key, value in params.items():
        assert GA4_NAME.fullmatch(key), key
        assert not key.startswith(GA4_RESERVED_PREFIXES), key
        assert isinstance(value, str | int | float), (key, value)
        assert not isinstance(value, bool), key
        assert not isinstance(value, str) or len(value) <= 100, key
    assert isinstance(params["engagement_time_msec"], int)
    assert params["engagement_time_msec"] > 0


def matomo_request(received: Received, now: datetime) -> dict[str, str]:
    """The request's parameters once every documented rule holds."""
    assert received.path.endswith("/matomo.php")
    if received.method == "POST":
        assert received.headers["content-type"].startswith("application/x-www-form-urlencoded")
        raw = received.body.decode()
    else:
        raw = received.query
    parsed = parse_qs(raw, keep_blank_values=True)
    assert all(len(values) == 1 for values in parsed.values())
    fields = {name: values[0] for name, values in parsed.items()}
    assert re.fullmatch(r"[1-9][0-9]*", fields["idsite"])
    assert fields["rec"] == "1"
    assert re.fullmatch(r"[0-9a-f]{16}", fields["_id"])
    assert fields["e_c"]
    assert fields["e_a"]
    if "e_v" in fields:
        float(fields["e_v"])
    for name in fields:
        assert name in MATOMO_PARAMETERS or re.fullmatch(r"dimension[1-9][0-9]*", name), name
    if "cdt" in fields:
        moment = datetime.strptime(fields["cdt"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        assert moment <= now + timedelta(minutes=1)
        if now - moment > timedelta(hours=24):
            assert fields.get("token_auth")
    return fields


MATOMO_PARAMETERS = {
    "idsite", "rec", "apiv", "send_image", "_id", "cid", "uid", "cdt", "token_auth", "url",
    "urlref", "ua", "lang", "action_name", "e_c", "e_a", "e_n", "e_v", "_rcn", "_rck", "rand",
}  # fmt: skip
