"""Pure rules of a webhook's configuration (docs/design.md §6): the URL, parameter names, headers,
the date format, and the signing secret. Each check returns the value to store or raises
``ValueError`` with a message meant for the person who typed the value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

from dialtrail.outbound import odd_ipv4_spelling

MAX_URL_LENGTH = 2000
MAX_PARAMETERS = 100
MAX_PARAMETER_NAME_LENGTH = 200
MAX_CONSTANT_LENGTH = 2000
MAX_HEADERS = 20
MAX_HEADER_NAME_LENGTH = 100
MAX_HEADER_VALUE_LENGTH = 4000
MAX_FILTERS = 20
MAX_WEBHOOKS_PER_EVENT = 40
NAMED_DATE_FORMATS = ("iso8601", "unix", "unix_ms")
MAX_DATE_FORMAT_LENGTH = 100

# --- URL ---------------------------------------------------------------------------------


def check_url(url: str) -> str:
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"at most {MAX_URL_LENGTH} characters (this one has {len(url)})")
    if any(character.isspace() or is_control(character) for character in url):
        raise ValueError("a URL cannot contain spaces or control characters; percent-encode them")
    parts = split_url(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("the URL must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "the URL carries credentials (user:password@); remove them and send them in a "
            "header instead, such as Authorization"
        )
    if not parts.hostname:
        raise ValueError("the URL needs a host, such as https://crm.example.com/hook")
    if parts.fragment or url.endswith("#"):
        raise ValueError("a #fragment is never sent to the server; remove it")
    if odd_ipv4_spelling(parts.hostname):
        raise ValueError(
            f"{parts.hostname} is read as an IPv4 address in an unusual spelling (HTTP clients "
            "disagree on which); write it as four decimal numbers, such as http://203.0.113.7/"
        )
    return url


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port, as a browser's same-origin rule compares them."""
    parts = split_url(url)
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower().rstrip("."), parts.port or default


def moved_origin(old_url: str, new_url: Any) -> bool:
    """Does a new URL (not yet checked) go to another origin than the stored one? An
    unreadable URL counts as moved; it is refused anyway."""
    if not isinstance(new_url, str):
        return new_url is not None
    try:
        return origin(old_url) != origin(new_url)
    except ValueError:
        return True


def split_url(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading the port is what checks it
    except ValueError:
        raise ValueError(
            "the URL's host or port is malformed (a port is a number from 1 to 65535; an IPv6 "
            "address is written in brackets, such as http://[2001:db8::1]/)"
        ) from None
    return parts


def is_control(character: str) -> bool:
    return unicodedata.category(character) == "Cc"


# --- Parameter names ----------------------------------------------------------------------


def check_parameter_name(name: str) -> str:
    """Names are free text (spaces, any script, brackets), sent exactly as written."""
    if not name:
        raise ValueError("a parameter needs a name")
    if len(name) > MAX_PARAMETER_NAME_LENGTH:
        raise ValueError(f"at most {MAX_PARAMETER_NAME_LENGTH} characters ({len(name)} given)")
    if any(is_control(character) for character in name):
        raise ValueError("a name cannot contain control characters such as line breaks or tabs")
    if name != name.strip():
        # Almost always a typo, and invisible in every UI that shows the name.
        raise ValueError("a name cannot start or end with a space")
    return name


def check_constant(constant: Any) -> Any:
    if isinstance(constant, str) and len(constant) > MAX_CONSTANT_LENGTH:
        raise ValueError(f"at most {MAX_CONSTANT_LENGTH} characters")
    if isinstance(constant, float) and not math.isfinite(constant):
        raise ValueError("a number constant must be finite")
    if not isinstance(constant, str | int | float):  # bool is an int
        raise ValueError("a constant is text, a number, true or false")
    return constant


# --- Headers -----------------------------------------------------------------------------

# Hop-by-hop headers describe one connection, not the request (RFC 9110 §7.6.1), and the rest
# are set by Dialtrail itself: a user's value would break framing or the signature.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
SET_BY_DIALTRAIL = {
    "host",
    "content-length",
    "content-type",
    "content-encoding",
    "user-agent",
    "expect",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
}
HEADER_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
HEADER_VALUE = re.compile(r"^[\x20-\x7e\t]*$")
MASK = "••••"
SHOWN_TAIL = 4
MIN_LENGTH_TO_SHOW_TAIL = 12


def check_header_name(name: str) -> str:
    if not name:
        raise ValueError("a header needs a name")
    if len(name) > MAX_HEADER_NAME_LENGTH:
        raise ValueError(f"a header name has at most {MAX_HEADER_NAME_LENGTH} characters")
    if not HEADER_TOKEN.match(name):
        raise ValueError(
            f"{name!r} is not a valid header name: use letters, digits and - (such as X-Api-Key)"
        )
    lowered = name.lower()
    if lowered in HOP_BY_HOP:
        raise ValueError(f"{name} describes the connection, not the request; it cannot be set")
    if lowered in SET_BY_DIALTRAIL:
        raise ValueError(f"Dialtrail sets {name} itself; it cannot be set")
    return name


def check_header_value(value: str) -> str:
    if len(value) > MAX_HEADER_VALUE_LENGTH:
        raise ValueError(f"a header value has at most {MAX_HEADER_VALUE_LENGTH} characters")
    if "\r" in value or "\n" in value:
        raise ValueError("a header value cannot contain line breaks")
    if MASK in value:
        raise ValueError(
            "this is a masked value; send the stored header's masked value unchanged to keep "
            "it, or the full new value"
        )
    if not HEADER_VALUE.match(value):
        raise ValueError(
            "a header value may only hold printable ASCII characters; encode anything else "
            "(for example with base64)"
        )
    return value


def masked(value: str) -> str:
    """What the API shows of a stored header value: short values show nothing at all."""
    if len(value) < MIN_LENGTH_TO_SHOW_TAIL:
        return MASK
    return MASK + value[-SHOWN_TAIL:]


# --- Date format -------------------------------------------------------------------------

# The directives of the C89 standard that Python documents for every platform, plus ISO week
# fields (%G %u %V). glibc extras such as %e, %k, %s or %-d work on Linux only, so a webhook
# using them would break on another server.
PORTABLE_DIRECTIVES = set("aAwdbBmyYHIpMSfzZjUWcxXGuV%")
SAMPLE_DATE = datetime(2026, 11, 27, 10, 15, 0, 123456, tzinfo=UTC)


def check_date_format(pattern: str) -> str:
    if pattern in NAMED_DATE_FORMATS:
        return pattern
    if len(pattern) > MAX_DATE_FORMAT_LENGTH:
        raise ValueError(f"at most {MAX_DATE_FORMAT_LENGTH} characters")
    directives = strftime_directives(pattern)
    if not [directive for directive in directives if directive != "%"]:
        raise ValueError(
            "use iso8601, unix, unix_ms, or a strftime pattern with at least one directive "
            "such as %Y-%m-%d %H:%M:%S"
        )
    unknown = [directive for directive in directives if directive not in PORTABLE_DIRECTIVES]
    if unknown:
        raise ValueError(
            f"%{unknown[0]} is not a portable strftime directive; use only "
            "%a %A %w %d %b %B %m %y %Y %H %I %p %M %S %f %z %Z %j %U %W %c %x %X %G %u %V %%"
        )
    render_date(pattern)
    return pattern


def strftime_directives(pattern: str) -> list[str]:
    directives = []
    position = 0
    while (position := pattern.find("%", position)) != -1:
        if position + 1 == len(pattern):
            raise ValueError("the pattern ends with a lone %; write %% for a percent sign")
        directives.append(pattern[position + 1])
        position += 2
    return directives


def render_date(pattern: str) -> str:
    try:
        return SAMPLE_DATE.strftime(pattern)
    except (ValueError, UnicodeError) as error:
        raise ValueError(f"this pattern cannot render a date: {error}") from None
