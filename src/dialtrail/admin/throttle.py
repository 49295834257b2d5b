"""Failed sign-in attempts, limited per IP address and per e-mail address.

Kept in memory: each server process counts on its own, and a restart forgets the counts. That
bounds password guessing (5 guesses per account and 30 per address every 15 minutes, per
process) without a shared store; the argon2 hash makes each guess slow as well.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 30
MAX_TRACKED_KEYS = 100_000


class LoginThrottle:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.failures: dict[str, deque[datetime]] = {}
        self.lock = threading.Lock()

    def wait_needed(self, ip: str, email: str) -> timedelta | None:
        """How long until this IP and e-mail may try again, or None when they may now."""
        now = self.clock()
        with self.lock:
            waits = [self.wait_for(key, limit, now) for key, limit in self.limits(ip, email)]
        blocked = [wait for wait in waits if wait is not None]
        return max(blocked) if blocked else None

    def record_failure(self, ip: str, email: str) -> None:
        now = self.clock()
        with self.lock:
            if len(self.failures) > MAX_TRACKED_KEYS:
                self.failures.clear()  # a flood of distinct keys: forget rather than grow
            for key, _ in self.limits(ip, email):
                self.failures.setdefault(key, deque()).append(now)

    def record_success(self, email: str) -> None:
        with self.lock:
            self.failures.pop("email:" + email.strip().lower(), None)

    def limits(self, ip: str, email: str) -> list[tuple[str, int]]:
        return [
            ("ip:" + ip, MAX_FAILURES_PER_IP),
            ("email:" + email.strip().lower(), MAX_FAILURES_PER_EMAIL),
        ]

    def wait_for(self, key: str, limit: int, now: datetime) -> timedelta | None:
        times = self.failures.get(key)
        if not times:
            return None
        while times and now - times[0] >= WINDOW:
            times.popleft()
        if len(times) < limit:
            return None
        return times[0] + WINDOW - now
