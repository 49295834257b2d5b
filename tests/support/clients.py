"""httpx clients for the servers under test, all sharing one TLS context.

httpx builds an SSL context for every client it makes (loading the CA bundle: ~18 ms of CPU
here), even for a client that only ever speaks plain HTTP to 127.0.0.1; the suite makes
thousands of clients (five for every `world`), so they share one context instead.
"""

from __future__ import annotations

import ssl
from functools import cache
from typing import Any

import httpx


@cache
def shared_tls() -> ssl.SSLContext:
    # Never used to connect anywhere (every test server is http://); built once all the same
    # with httpx's own defaults, so that a client behaves exactly as one with its own context.
    return httpx.create_ssl_context()


def http_client(base_url: str, **options: Any) -> httpx.Client:
    """An httpx client for ``base_url`` (a 30 s timeout unless ``options`` says otherwise)."""
    return httpx.Client(base_url=base_url, verify=shared_tls(), **{"timeout": 30, **options})


def get(url: str, **options: Any) -> httpx.Response:
    """``httpx.get`` with the suite's 30 s timeout: httpx's own 5 s once failed a test in CI, a
    busy machine taking that long to answer a server's first request."""
    return httpx.get(url, verify=shared_tls(), **{"timeout": 30, **options})


def post(url: str, **options: Any) -> httpx.Response:
    """``httpx.post`` with the suite's 30 s timeout (as ``get``)."""
    return httpx.post(url, verify=shared_tls(), **{"timeout": 30, **options})
