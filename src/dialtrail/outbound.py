"""The one way out: every outbound HTTP request (webhooks) goes through ``Outbound.send``.

It fixes what must never vary between callers: http(s) only, a 15-second timeout, no
redirects (a 3xx is an answer, not an instruction), at most 2 KB of the answer kept, and the
SSRF guard: a host is resolved by ``GuardedResolver`` and refused when any of its addresses is
not globally routable (``forbidden_reason``; unless the operator allows private targets);
aiohttp then connects to exactly the addresses that were checked (with the original Host
header and TLS server name), so DNS cannot answer differently the second time. An address
written in the URL is checked the same way before the request, on the host as aiohttp's URL
parser (yarl) reads it, and an unusual spelling of an IPv4 address (``2130706433``,
``127.1``, ``0177.0.0.1``) is refused here rather than left to whichever client version is
installed (docs/webhooks.md, "Where webhooks may be sent").

A failed exchange is raised as ``OutboundFailed``, whose text says what happened in words
("connection refused by 127.0.0.1:8812", "timed out after 15 s") on its first line and
gives the client's own exception on the next: the attempt log shows both.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

TIMEOUT_SECONDS = 15.0
# Connections open at once (the worker keeps as many requests in flight).
CONNECTIONS = 128
KEPT_BYTES = 2048
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(Exception):
    """The request was not sent: a scheme or address Dialtrail does not connect to."""


class OutboundFailed(Exception):
    """The exchange failed (no answer): ``words`` for people, ``detail`` the raw exception."""

    def __init__(self, words: str, detail: str) -> None:
        super().__init__(f"{words}\n{detail}")
        self.words = words
        self.detail = detail


@dataclass(frozen=True)
class OutboundResponse:
    status_code: int
    headers: dict[str, str]
    body: str  # the first 2 KB, as text
    latency_ms: int


class Outbound:
    def __init__(self, allow_private: bool = False, timeout: float = TIMEOUT_SECONDS) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self.client: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        # Made on first use, inside the event loop that will use it (aiohttp's rule).
        if self.client is None:
            connector = aiohttp.TCPConnector(
                limit=CONNECTIONS,
                resolver=GuardedResolver(self.allow_private),
                use_dns_cache=False,  # every connection is checked again
            )
            self.client = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
        return self.client

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()

    async def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> OutboundResponse:
        """Sends the request; raises OutboundRefused, or OutboundFailed for a failed exchange
        (timeout, refused connection, TLS failure)."""
        check_target(url, self.allow_private)
        try:
            return await self.exchange(method, url, headers, body)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise OutboundFailed(in_words(error, self.timeout), raw(error)) from error

    async def exchange(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> OutboundResponse:
        started = time.perf_counter()
        request = self.session().request(
            method,
            url,
            headers=headers,
            data=body or None,
            allow_redirects=False,
            # A request without a body (format query) is not labelled application/octet-stream.
            skip_auto_headers=("Content-Type",),
        )
        async with request as response:
            head = await first_bytes(response, KEPT_BYTES)
        latency = int((time.perf_counter() - started) * 1000)
        return OutboundResponse(
            response.status,
            {name.lower(): value for name, value in response.headers.items()},
            head.decode("utf-8", errors="replace"),
            latency,
        )


def in_words(error: BaseException, timeout: float) -> str:
    """What went wrong, as a person would say it; the exception's class names what the
    client library knew (a plain-http URL's refused connection still says "ssl:default")."""
    if isinstance(error, TimeoutError):  # aiohttp's own timeouts are TimeoutErrors too
        return f"timed out after {timeout:g} s"
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return f"the TLS certificate of {error.host} was not accepted: {error.certificate_error}"
    if isinstance(error, aiohttp.ClientSSLError):
        return f"the TLS handshake with {error.host}:{error.port} failed"
    if isinstance(error, aiohttp.ClientConnectorError):
        return connect_failure(error)
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "the receiver closed the connection without answering"
    if isinstance(error, aiohttp.ClientPayloadError):
        return "the receiver's answer broke off before its end"
    if isinstance(error, aiohttp.ClientResponseError):
        return f"the receiver's answer could not be read ({error.message})"
    return f"the request failed ({type(error).__name__})"


CONNECT_ERRORS = {
    errno.ECONNREFUSED: "connection refused by {}",
    errno.ECONNRESET: "connection reset by {}",
    errno.EHOSTUNREACH: "no route to {}",
    errno.ENETUNREACH: "the network of {} is unreachable",
    errno.ETIMEDOUT: "connecting to {} timed out",
}


def connect_failure(error: aiohttp.ClientConnectorError) -> str:
    where = f"{error.host}:{error.port}"
    template = CONNECT_ERRORS.get(error.os_error.errno or 0)
    if template:
        return template.format(where)
    reason = error.os_error.strerror or str(error.os_error) or "no reason given"
    return f"could not connect to {where}: {reason}"


def raw(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error) or 'no message'}"


# Every delivery of a webhook asks about the same URL; the answer depends on the URL alone
# (names are checked by the resolver at each connection), and a refusal is never cached.
@lru_cache(maxsize=4096)
def check_target(url: str, allow_private: bool) -> None:
    """Refuses what the resolver would never see: another scheme, and a host that is an
    address. The host is read as aiohttp will read it (yarl): a name goes to the resolver,
    an address is checked here."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused(f"only http:// and https:// URLs with a host are sent: {url!r}")
    try:
        host = URL(url).raw_host or ""
    except ValueError:
        raise OutboundRefused(f"the host of {url!r} cannot be read; it was not sent") from None
    if odd_ipv4_spelling(host) or odd_ipv4_spelling(parts.hostname):
        raise OutboundRefused(
            f"{parts.hostname} is an IPv4 address in an unusual spelling; write it as four "
            "decimal numbers (such as 203.0.113.7)"
        )
    literal = ip_literal(host)
    if literal is not None:  # no resolution, so the resolver never sees it
        guard(host, [literal], allow_private)


class GuardedResolver(AbstractResolver):
    """aiohttp asks this for a host's addresses and connects to exactly what it returns (the
    Host header and the TLS server name stay the URL's), so a name is checked on the very
    addresses used, and an answer that changes between two lookups cannot slip through."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as error:
            raise OutboundRefused(f"{host} cannot be resolved ({error.strerror})") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in found]
        guard(host, addresses, self.allow_private)
        return [resolved(host, address, port) for address in addresses]

    async def close(self) -> None:
        return None


def resolved(host: str, address: Address, port: int) -> ResolveResult:
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    return ResolveResult(
        hostname=host,
        host=str(address),
        port=port,
        family=family,
        proto=0,
        flags=socket.AI_NUMERICHOST,
    )


def guard(host: str, addresses: list[Address], allow_private: bool) -> None:
    if allow_private:
        return
    for address in addresses:
        reason = forbidden_reason(address)
        if reason:
            raise OutboundRefused(
                f"{host} resolves to {address}, a {reason} address; Dialtrail does "
                "not send webhooks there unless DIALTRAIL_WEBHOOK_ALLOW_PRIVATE=1"
            )


def refused_target(url: str, allow_private: bool) -> str | None:
    """Why a URL would be refused when sent, checked when a webhook is saved so that the user
    hears it at once (sending checks again: DNS answers may change). A host that does not
    resolve today is not refused here; its deliveries log the failure."""
    parts = urlsplit(url)
    if allow_private or not parts.hostname:
        return None
    try:
        found = socket.getaddrinfo(
            parts.hostname, parts.port or default_port(parts.scheme), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    for info in found:
        address = ipaddress.ip_address(info[4][0])
        reason = forbidden_reason(address)
        if reason:
            return (
                f"{parts.hostname} resolves to {address}, a {reason} address; webhooks are not "
                "sent there unless the server sets DIALTRAIL_WEBHOOK_ALLOW_PRIVATE=1"
            )
    return None


# Special-purpose blocks (IANA's IPv4 and IPv6 special-purpose address registries) that are
# not globally reachable but that some Python versions' ``is_global`` still accepts; listed
# here so that the answer does not depend on the interpreter. 6to4 (2002::/16, deprecated by
# RFC 7526) and Teredo (2001::/32, inside 2001::/23) are refused whatever they embed.
NOT_GLOBAL_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "100.64.0.0/10",  # shared address space (carrier-grade NAT, cloud metadata services)
        "192.0.0.0/24",  # IETF protocol assignments
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "198.18.0.0/15",  # benchmarking
        "64:ff9b:1::/48",  # local-use NAT64
        "2001::/23",  # IETF protocol assignments, Teredo included
        "2002::/16",  # 6to4
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fec0::/10",  # site-local (deprecated)
    )
)
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")


def forbidden_reason(address: Address) -> str | None:
    """Why Dialtrail does not connect to this address, or None for a globally routable one.
    An IPv6 address that carries an IPv4 address is judged by the IPv4 address too."""
    translated = translated_ipv4(address)
    if translated is not None:  # the IPv4 address is the one actually reached
        return forbidden_reason(translated)
    for embedded in tunnelled_ipv4(address):
        reason = forbidden_reason(embedded)
        if reason:
            return reason
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-global", not address.is_global or in_not_global_network(address)),
    )
    return next((name for name, matched in checks if matched), None)


def translated_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address behind an IPv4-mapped or a well-known-prefix NAT64 address."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def tunnelled_ipv4(address: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a 6to4 or Teredo address embeds (refused anyway, but named)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    if address.sixtofour is not None:
        return [address.sixtofour]
    return list(address.teredo or ())


def in_not_global_network(address: Address) -> bool:
    return any(
        address.version == network.version and address in network for network in NOT_GLOBAL_NETWORKS
    )


CANONICAL_IPV4 = re.compile(
    r"^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$"
)
NUMERIC_LABEL = re.compile(r"^([0-9]+|0[xX][0-9a-fA-F]*)$")


def odd_ipv4_spelling(host: str) -> bool:
    """A host whose last label is a number is an IPv4 address to the URL standard (WHATWG)
    and to inet_aton, in decimal, octal or hex, with one to four parts (``2130706433``,
    ``127.1``, ``0177.0.0.1``, ``0x7f.1``, ``127.0.0.1.``); only the four-decimal spelling
    means the same to every parser."""
    if ":" in host:  # an IPv6 address, whose last part may be dotted IPv4 (::ffff:127.0.0.1)
        return False
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()  # a trailing dot
    return bool(NUMERIC_LABEL.match(labels[-1])) and not CANONICAL_IPV4.match(host)


def ip_literal(host: str) -> Address | None:
    """An address written as the host (no DNS needed), or None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


async def first_bytes(response: aiohttp.ClientResponse, limit: int) -> bytes:
    kept = b""
    while len(kept) < limit:
        chunk = await response.content.read(limit - len(kept))
        if not chunk:
            break
        kept += chunk
    return kept
