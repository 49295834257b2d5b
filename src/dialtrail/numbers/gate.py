"""Who gets no number from the pool: obvious bots, and client networks holding too many.

A crawler's or a headless browser's session never dials, yet a number leased to it is taken
from visitors who might: such sessions see the project's default number instead (unless
``DIALTRAIL_LEASE_TO_BOTS=1``). Crawlers are known by the User-Agent patterns of the
crawler-user-agents list (a maintained list, a dependency pinned in pyproject.toml), headless
browsers by their own markers, and a request without a User-Agent is a bot too (every browser
sends one). One client network (a /24 of IPv4, a /64 of IPv6: about one subscriber line) may
hold at most ``DIALTRAIL_LEASES_PER_NETWORK`` live leases of a project, so a flood of made-up
visitors from one network cannot exhaust the pool for everybody else.

The network is kept with its leases as a keyed hash (HMAC-SHA256 under a key derived from the
server's secret key): enough to count a network's leases, nothing to read back (sessions keep
only a /48 of IPv6).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from crawleruseragents import is_crawler

# Lower case; found anywhere in the User-Agent.
HEADLESS_MARKERS = ("headless", "phantomjs", "slimerjs", "htmlunit", "puppeteer", "nightmarejs")
BOT = "bot"
CROWDED_NETWORK = "network"


@dataclass(frozen=True)
class Requester:
    """Who asks for a number: the client's address and User-Agent, as the collector got them."""

    ip: str
    user_agent: str


@dataclass(frozen=True)
class LeaseGate:
    """The server's rules (settings.py); the default lets everybody through, uncounted."""

    lease_to_bots: bool = True
    per_network: int = 0  # 0: no cap
    network_secret: bytes = b""

    def refuses_bot(self, requester: Requester) -> bool:
        return not self.lease_to_bots and is_bot(requester.user_agent)

    def warm(self) -> None:
        """Compiles the crawler list now (some 50 ms, once per process), not in the first
        visitor's request."""
        if not self.lease_to_bots:
            is_bot("Mozilla/5.0")

    def network_of(self, requester: Requester) -> str | None:
        """The requester's network as stored with a lease; None when not counted."""
        if not self.per_network:
            return None
        return network_key(self.network_secret, requester.ip)


ANYONE = LeaseGate()


@lru_cache(maxsize=8192)
def is_bot(user_agent: str) -> bool:
    """Cached: the crawler list is some 1,500 patterns (about a millisecond per new text),
    and User-Agents repeat."""
    if not user_agent.strip():
        return True
    lowered = user_agent.lower()
    headless = any(marker in lowered for marker in HEADLESS_MARKERS)
    return headless or bool(is_crawler(user_agent))


@lru_cache(maxsize=8192)
def network_key(secret: bytes, address: str) -> str | None:
    """Cached: parsing an address and hashing its network cost more than the lease's
    statements' parameters (a returning client's next new session finds it here)."""
    network = client_network(address)
    if network is None:
        return None
    return hmac.new(secret, network.encode(), hashlib.sha256).hexdigest()[:32]


def client_network(address: str) -> str | None:
    """``203.0.113.0/24`` or ``2001:db8:1:2::/64``; an IPv4 address mapped into IPv6 counts
    as IPv4; None for what is not an address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network((ip, prefix), strict=False))
