"""Whether a request may report for a project: its Origin must be one of the project's hosts."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit


def request_host(origin: str | None, referer: str | None) -> str | None:
    # sendBeacon and fetch send Origin on these cross-site POSTs; Referer is the fallback for
    # older browsers. "null" (a sandboxed frame or a file) names no host.
    for header in (origin, referer):
        if header and header != "null":
            host = header_host(header)
            if host:
                return host
    return None


@lru_cache(maxsize=4096)  # a site's Origin is the same on every request: parse it once
def header_host(header: str) -> str | None:
    try:
        host = urlsplit(header).hostname
    except ValueError:  # "http://[" and the like: a header that names no host
        return None
    return host.lower().rstrip(".") if host else None


def host_allowed(host: str | None, domains: list[str]) -> bool:
    """An empty list allows any host; ``example.com`` also allows its subdomains."""
    if not domains:
        return True
    if host is None:
        return False
    return any(host == domain or host.endswith("." + domain) for domain in domains)
