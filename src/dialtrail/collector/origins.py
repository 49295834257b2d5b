"""Whether a request may report for a project: its Origin must be one of the project's hosts."""

from __future__ import annotations

from urllib.parse import urlsplit


def request_host(origin: str | None, referer: str | None) -> str | None:
    # sendBeacon and fetch send Origin on these cross-site POSTs; Referer is the fallback for
    # older browsers. "null" (a sandboxed frame or a file) names no host.
    for header in (origin, referer):
        if header and header != "null":
            host = urlsplit(header).hostname
            if host:
                return host.lower().rstrip(".")
    return None


def host_allowed(host: str | None, domains: list[str]) -> bool:
    """An empty list allows any host; ``example.com`` also allows its subdomains."""
    if not domains:
        return True
    if host is None:
        return False
    return any(host == domain or host.endswith("." + domain) for domain in domains)
