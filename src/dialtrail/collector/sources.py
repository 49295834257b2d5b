"""Pure helpers that turn what a browser sends into session fields (docs/design.md §1)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from dialtrail.sessions.visit import LANDING_PARAMETERS

MAX_VALUE_LENGTH = 1000
SOURCE_FIELD_LENGTH = 255


@dataclass(frozen=True)
class NormalisedValue:
    value: str | None  # None: empty
    truncated: bool


def normalise_value(raw: str | None, flagged_truncated: bool = False) -> NormalisedValue:
    """Trim, treat "" as empty, cut to 1,000 characters (docs/design.md §2, as the script does)."""
    if raw is None:
        return NormalisedValue(None, False)
    text = raw.strip()
    if not text:
        return NormalisedValue(None, False)
    if len(text) > MAX_VALUE_LENGTH:
        return NormalisedValue(text[:MAX_VALUE_LENGTH], True)
    return NormalisedValue(text, flagged_truncated)


# Landing pages and addresses repeat (a campaign's URL, a visitor's pages): parsing each once
# per process was a sixth of the collector's writer time.
CACHED = 4096


def source_fields(url: str) -> dict[str, str | None]:
    """UTM tags and click ids from a landing page URL (the first value of each)."""
    return dict(zip(LANDING_PARAMETERS, source_values(url), strict=True))


@lru_cache(maxsize=CACHED)
def source_values(url: str) -> tuple[str | None, ...]:
    query = parse_qs(urlsplit(url).query, keep_blank_values=False)
    return tuple(
        query[name][0][:SOURCE_FIELD_LENGTH] if name in query else None
        for name in LANDING_PARAMETERS
    )


@lru_cache(maxsize=CACHED)
def ga_client_id(cookie: str | None) -> str | None:
    """``GA1.1.123456789.1700000000`` → ``123456789.1700000000`` (the _ga cookie's last two
    parts, whatever the version and domain-depth prefix). Cached: a visitor's cookie comes
    with each of its events."""
    if not cookie:
        return None
    parts = cookie.strip().split(".")
    if len(parts) < 4 or not all(part.isdigit() for part in parts[-2:]):
        return None
    return ".".join(parts[-2:])[:64]


@lru_cache(maxsize=CACHED)
def truncate_ip(address: str) -> str:
    """IPv4 to its /24, IPv6 to its /48 (docs/design.md §1): enough for fraud checks, not a
    person."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def is_http_url(url: str) -> bool:
    return urlsplit(url).scheme in {"http", "https"}
