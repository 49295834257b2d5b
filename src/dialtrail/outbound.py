"""The one way out: every outbound HTTP request (webhooks) goes through ``Outbound.send``.

It fixes what must never vary between callers: http(s) only, a 15-second timeout, no redirects
(a 3xx is an answer, not an instruction), a fixed User-Agent, at most 2 KB of the answer kept,
and the SSRF guard: the host is resolved first and refused when any of its addresses is
private, loopback, link-local, multicast, reserved or unspecified (unless the operator allows
private targets); the connection then goes to exactly the address that was checked (with the
original Host header and TLS server name), so DNS cannot answer differently the second time.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

TIMEOUT_SECONDS = 15.0
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


@dataclass
class Outbound:
    allow_private: bool = False
    timeout: float = TIMEOUT_SECONDS
    client: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=self.timeout,
            # As many kept alive as may be open: httpcore closes a finished connection
            # whenever more than max_keepalive are open, busy ones included.
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> OutboundResponse:
        """Sends the request; raises OutboundRefused, or httpx.HTTPError for a failed
        exchange (timeout, refused connection, TLS failure)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OutboundRefused(f"only http:// and https:// URLs with a host are sent: {url!r}")
        address = await self.checked_address(
            parts.hostname, parts.port or default_port(parts.scheme)
        )
        pinned = urlunsplit(parts._replace(netloc=pinned_netloc(address, parts.port)))
        extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        request = self.client.build_request(
            method,
            pinned,
            headers={**headers, "Host": parts.netloc.rsplit("@", 1)[-1]},
            content=body,
            extensions=extensions,
        )
        started = time.perf_counter()
        response = await self.client.send(request, stream=True)
        try:
            head = await first_bytes(response, KEPT_BYTES)
        finally:
            await response.aclose()
        latency = int((time.perf_counter() - started) * 1000)
        return OutboundResponse(
            response.status_code,
            dict(response.headers),
            head.decode("utf-8", errors="replace"),
            latency,
        )

    async def checked_address(self, host: str, port: int) -> Address:
        literal = ip_literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            addresses = await self.resolved(host, port)
        if not self.allow_private:
            for address in addresses:
                reason = forbidden_reason(address)
                if reason:
                    raise OutboundRefused(
                        f"{host} resolves to {address}, a {reason} address; Dialtrail does "
                        "not send webhooks there unless DIALTRAIL_WEBHOOK_ALLOW_PRIVATE=1"
                    )
        return addresses[0]

    async def resolved(self, host: str, port: int) -> list[Address]:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as error:
            raise OutboundRefused(f"{host} cannot be resolved ({error.strerror})") from None
        return [ipaddress.ip_address(info[4][0]) for info in found]


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


def pinned_netloc(address: Address, port: int | None) -> str:
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    return f"{host}:{port}" if port else host


async def first_bytes(response: httpx.Response, limit: int) -> bytes:
    kept = b""
    async for chunk in response.aiter_bytes():
        kept += chunk
        if len(kept) >= limit:
            break
    return kept[:limit]
