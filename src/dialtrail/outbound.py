"""The one way out: every outbound HTTP request (webhooks) goes through ``Outbound.send``.

It fixes what must never vary between callers: http(s) only, a 15-second timeout, no
redirects (a 3xx is an answer, not an instruction), at most 2 KB of the answer kept, and the
SSRF guard: a host is resolved by ``GuardedResolver`` and refused when any of its addresses is
private, loopback, link-local, multicast, reserved or unspecified (unless the operator allows
private targets); aiohttp then connects to exactly the addresses that were checked (with the
original Host header and TLS server name), so DNS cannot answer differently the second time.
An address written in the URL is checked the same way before the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

TIMEOUT_SECONDS = 15.0
# Connections open at once (the worker keeps as many requests in flight).
CONNECTIONS = 64
KEPT_BYTES = 2048
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(Exception):
    """The request was not sent: a scheme or address Dialtrail does not connect to."""


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
        """Sends the request; raises OutboundRefused, or aiohttp.ClientError / TimeoutError
        for a failed exchange (timeout, refused connection, TLS failure)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OutboundRefused(f"only http:// and https:// URLs with a host are sent: {url!r}")
        literal = ip_literal(parts.hostname)
        if literal is not None:  # no resolution, so the resolver never sees it
            guard(parts.hostname, [literal], self.allow_private)
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


def forbidden_reason(address: Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return forbidden_reason(address.ipv4_mapped)
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    )
    return next((name for name, matched in checks if matched), None)


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
