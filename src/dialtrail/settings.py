"""Every ``DIALTRAIL_*`` environment variable, declared once and read here only.

Each setting has a name, a type, a default and help text. ``docs/configuration.md`` documents
each one and a test fails when a declared setting is missing there. A bad value stops the
program at start-up with a message that names the variable, rather than failing later in a
request.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "DIALTRAIL_"


class SettingsError(ValueError):
    """A ``DIALTRAIL_*`` variable holds a value that cannot be used."""


@dataclass(frozen=True)
class Declaration:
    name: str
    parse: Callable[[str], Any]
    default: str
    help: str

    @property
    def variable(self) -> str:
        return PREFIX + self.name


def parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected one of 1/0, true/false, yes/no, on/off")


def parse_host(raw: str) -> str:
    host = raw.strip()
    if not host:
        raise ValueError("expected an address such as 127.0.0.1 or 0.0.0.0")
    return host


def parse_port(raw: str) -> int:
    port = int(raw)
    if not 0 < port < 65536:
        raise ValueError("expected a TCP port between 1 and 65535")
    return port


def parse_positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("expected a positive number")
    return value


def parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive whole number")
    return value


def parse_non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("expected a whole number, 0 or more")
    return value


def parse_database_url(raw: str) -> str:
    url = raw.strip()
    if not url.startswith(("sqlite:///", "postgresql+psycopg://")):
        raise ValueError(
            "expected sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB "
            "(Dialtrail talks to PostgreSQL through psycopg 3)"
        )
    return url


def parse_secret_key(raw: str) -> str:
    key = raw.strip()
    if key and len(key) < 32:
        raise ValueError("expected at least 32 characters (or empty, to use a generated key)")
    return key


def parse_forwarded_allow_ips(raw: str) -> str:
    """``*``, or a comma-separated list of addresses and networks (10.0.0.0/8, ::1)."""
    text = raw.strip()
    if text == "*":
        return text
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(
                f"{entry!r} is not an IP address or network; give a comma-separated list such "
                "as 127.0.0.1,10.0.0.0/8, or * to trust every proxy"
            ) from None
    return ",".join(entries)


def parse_networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an address or a network (10.0.0.0/8)") from None
    return tuple(networks)


def parse_log_level(raw: str) -> str:
    level = raw.strip().lower()
    if level not in {"debug", "info", "warning", "error"}:
        raise ValueError("expected debug, info, warning or error")
    return level


def parse_base_url(raw: str) -> str:
    url = raw.strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL, such as https://calls.example.com")
    return url


MIN_METRICS_TOKEN_LENGTH = 16


def parse_metrics_token(raw: str) -> str:
    token = raw.strip()
    if not token:
        return ""
    if any(character.isspace() for character in token):
        raise ValueError("a bearer token cannot contain spaces")
    if len(token) < MIN_METRICS_TOKEN_LENGTH or not token.isascii() or not token.isprintable():
        raise ValueError(
            f"expected at least {MIN_METRICS_TOKEN_LENGTH} printable ASCII characters, such as "
            'the output of python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    return token


DECLARATIONS: tuple[Declaration, ...] = (
    Declaration(
        "DATABASE_URL",
        parse_database_url,
        "sqlite:///var/dialtrail.sqlite3",
        "Where data lives. A SQLite file by default (relative paths are relative to the "
        "working directory); postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB for PostgreSQL.",
    ),
    Declaration("HOST", parse_host, "127.0.0.1", "Address `dialtrail serve` listens on."),
    Declaration("PORT", parse_port, "8000", "TCP port `dialtrail serve` listens on."),
    Declaration(
        "BASE_URL",
        parse_base_url,
        "",
        "Public URL of this server, as browsers and telephony providers reach it "
        "(e.g. https://calls.example.com). Empty: http://HOST:PORT.",
    ),
    Declaration(
        "SQLITE_BUSY_TIMEOUT",
        parse_positive_float,
        "10",
        "Seconds a SQLite connection waits for another writer before giving up.",
    ),
    Declaration(
        "FORWARDED_ALLOW_IPS",
        parse_forwarded_allow_ips,
        "127.0.0.1",
        "Proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed: addresses or "
        "networks, comma-separated, or * for any. The collector's rate limit and the stored "
        "(truncated) visitor IP use the address these headers give.",
    ),
    Declaration(
        "SECRET_KEY",
        parse_secret_key,
        "",
        "Key for signing sign-in sessions and CSRF tokens and for encrypting stored "
        "credentials (webhook secrets, telephony tokens). At least 32 characters. Empty: a "
        "random key is generated on first start and kept in var/secret_key.",
    ),
    Declaration(
        "WEBHOOK_ALLOW_PRIVATE",
        parse_bool,
        "0",
        "1: let webhooks reach private, loopback and link-local addresses (an on-premise CRM, "
        "tests). 0 refuses them after DNS resolution, so a webhook URL cannot probe the "
        "server's own network.",
    ),
    Declaration(
        "WORKER",
        parse_bool,
        "1",
        "1: `dialtrail serve` also runs the webhook delivery worker; 0: run it apart with "
        "`dialtrail worker`.",
    ),
    Declaration(
        "DERIVER",
        parse_bool,
        "1",
        "1: `dialtrail serve` also derives sessions, page views and values from the "
        "collector's journal; 0: run `dialtrail deriver` apart (one or more, on PostgreSQL).",
    ),
    Declaration(
        "JOURNAL_RETENTION_HOURS",
        parse_positive_int,
        "48",
        "How long the collector's journal keeps events after they were derived, so that "
        "`dialtrail journal replay --since` can derive them again after a fix; "
        "`dialtrail prune` removes older ones.",
    ),
    Declaration(
        "PBX_LISTENERS",
        parse_bool,
        "1",
        "1: `dialtrail serve` also keeps the connections to the Asterisk and FreeSWITCH PBXs "
        "configured in projects' settings; 0: run them apart with `dialtrail asterisk` and "
        "`dialtrail freeswitch`.",
    ),
    Declaration(
        "PBX_ALLOWED_NETWORKS",
        parse_networks,
        "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
        "The networks (comma-separated addresses or CIDRs) where projects' Asterisk and "
        "FreeSWITCH hosts may be: the listeners and Check connection connect only to addresses "
        "in them, after DNS resolution. The default allows the private ranges; add 127.0.0.1 "
        "for a PBX on the same host, or a PBX's public address. Empty: none.",
    ),
    Declaration("LOG_LEVEL", parse_log_level, "info", "debug, info, warning or error."),
    Declaration(
        "COLLECTOR_RATE",
        parse_positive_float,
        "20",
        "Events per second one IP address may send to the collector, on average (each "
        "server process counts on its own). Above it the collector answers 429.",
    ),
    Declaration(
        "COLLECTOR_BURST",
        parse_positive_int,
        "100",
        "How many events one IP address may send at once before COLLECTOR_RATE applies "
        "(many visitors behind one office NAT load pages at the same time).",
    ),
    Declaration(
        "METRICS_TOKEN",
        parse_metrics_token,
        "",
        "A bearer token GET /metrics requires (Authorization: Bearer TOKEN), at least 16 "
        "characters; requests without it get 401. Empty: /metrics is open to anyone who "
        "reaches the server.",
    ),
    Declaration(
        "LEASE_TO_BOTS",
        parse_bool,
        "0",
        "1: lease pool numbers to every session. 0: sessions of obvious bots (a User-Agent on "
        "the crawler-user-agents list, a headless browser such as HeadlessChrome, or none at "
        "all) see the project's default number and take no number from the pool; counted as "
        "refused in the pool's usage. The test suite sets 1: its HTTP clients and headless "
        "Chromium are bots by these rules.",
    ),
    Declaration(
        "LEASES_PER_NETWORK",
        parse_non_negative_int,
        "0",
        "Most live leases one client network (a /24 of IPv4, a /64 of IPv6) may hold in a "
        "project at once; further new sessions from it see the default number (counted as "
        "refused in the pool's usage), so a flood from one network cannot exhaust the pool. "
        "0 (the default): no cap, since visitors behind one carrier-grade NAT or office "
        "network would lose tracking silently; 10 or more where floods are a real risk.",
    ),
)

# Read only by the test suite; declared here so that this module stays the one place that
# knows every DIALTRAIL_* variable.
TEST_DECLARATIONS: tuple[Declaration, ...] = (
    Declaration(
        "TEST_POSTGRES_URL",
        parse_database_url,
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "PostgreSQL server the test suite uses. Each run creates a database of its own there "
        "(the user needs the CREATEDB right) and drops it at the end.",
    ),
    Declaration(
        "REQUIRE_POSTGRES",
        parse_bool,
        "0",
        "1: fail the test run when PostgreSQL cannot be reached instead of skipping those "
        "tests (set by .ci/run).",
    ),
    Declaration(
        "REQUIRE_BROWSER",
        parse_bool,
        "0",
        "1: fail the test run when Chromium cannot be started instead of skipping browser "
        "tests (set by .ci/run).",
    ),
)


@dataclass(frozen=True)
class Settings:
    database_url: str
    host: str
    port: int
    base_url: str
    sqlite_busy_timeout: float
    forwarded_allow_ips: str
    secret_key: str
    webhook_allow_private: bool
    worker: bool
    deriver: bool
    journal_retention_hours: int
    pbx_listeners: bool
    pbx_allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    log_level: str
    collector_rate: float
    collector_burst: int
    metrics_token: str
    lease_to_bots: bool
    leases_per_network: int

    @property
    def public_url(self) -> str:
        return self.base_url or f"http://{self.host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def replace(self, **changes: Any) -> Settings:
        values = {**self.__dict__, **changes}
        return Settings(**values)


@dataclass(frozen=True)
class TestSettings:
    __test__ = False  # not a pytest test class

    test_postgres_url: str
    require_postgres: bool
    require_browser: bool


def read_values(
    declarations: tuple[Declaration, ...], environ: Mapping[str, str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for declaration in declarations:
        raw = environ.get(declaration.variable, declaration.default)
        try:
            values[declaration.name.lower()] = declaration.parse(raw)
        except ValueError as error:
            raise SettingsError(f"{declaration.variable}={raw!r} is invalid: {error}") from None
    return values


def load(environ: Mapping[str, str] | None = None) -> Settings:
    return Settings(**read_values(DECLARATIONS, os.environ if environ is None else environ))


def load_test_settings(environ: Mapping[str, str] | None = None) -> TestSettings:
    source = os.environ if environ is None else environ
    return TestSettings(**read_values(TEST_DECLARATIONS, source))


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL and in-memory SQLite."""
    if not database_url.startswith("sqlite:///"):
        return None
    path = database_url.removeprefix("sqlite:///")
    return None if path in {"", ":memory:"} else Path(path)
