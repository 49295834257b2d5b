"""A per-client token bucket for the collector (docs/design.md §8: the collector is rate-limited
per IP).

Kept in memory: each server process limits on its own, which bounds a flood without a shared
store. An IPv4 address has its own bucket; an IPv6 address shares the bucket of its /64, the
smallest network a provider hands to one subscriber (RFC 6177), so one machine cannot get a
fresh bucket per address. The table holds at most ``max_clients`` buckets and forgets the
least recently used one when a new client arrives: O(1) per event, however full it is.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_TRACKED_CLIENTS = 100_000
IPV6_PREFIX = 64


@dataclass
class Bucket:
    tokens: float
    updated: float


def client_key(address: str) -> str:
    """The bucket an address counts against: itself (IPv4), or its /64 (IPv6)."""
    if ":" not in address:
        # IPv4 (parsed, it would print as it came: ipaddress accepts only the canonical dotted
        # form) or no IP at all; parsing it cost each request more than its rate check.
        return address
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:  # not an IP address (a Unix socket peer): as it is
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # ::ffff:a.b.c.d is an IPv4 client
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_TRACKED_CLIENTS,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_clients = max_clients
        # Least recently used first: the one to forget when the table is full.
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()
        self.lock = threading.Lock()

    def allow(self, address: str) -> bool:
        key = client_key(address)
        with self.lock:
            now = self.clock()
            bucket = self.bucket(key, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True

    def bucket(self, key: str, now: float) -> Bucket:
        bucket = self.buckets.get(key)
        if bucket is not None:
            self.buckets.move_to_end(key)
            return bucket
        if len(self.buckets) >= self.max_clients:
            self.buckets.popitem(last=False)
        bucket = self.buckets[key] = Bucket(float(self.burst), now)
        return bucket

    def retry_after(self) -> int:
        return max(1, round(1 / self.rate))
