"""A per-IP token bucket for the collector (DESIGN §8: the collector is rate-limited per IP).

Kept in memory: each server process limits on its own, which bounds a flood without a shared
store. Buckets of idle addresses are dropped so memory stays bounded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_TRACKED_ADDRESSES = 100_000


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.buckets: dict[str, Bucket] = {}
        self.lock = threading.Lock()

    def allow(self, address: str) -> bool:
        with self.lock:
            now = self.clock()
            bucket = self.buckets.get(address) or self.new_bucket(address, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True

    def new_bucket(self, address: str, now: float) -> Bucket:
        if len(self.buckets) >= MAX_TRACKED_ADDRESSES:
            self.forget_full_buckets(now)
        bucket = self.buckets[address] = Bucket(float(self.burst), now)
        return bucket

    def forget_full_buckets(self, now: float) -> None:
        # A bucket that would be full again by now carries no information.
        refill_seconds = self.burst / self.rate
        self.buckets = {
            address: bucket
            for address, bucket in self.buckets.items()
            if now - bucket.updated < refill_seconds
        }

    def retry_after(self) -> int:
        return max(1, round(1 / self.rate))
