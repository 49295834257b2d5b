"""Failed sign-ins slow down guessing without locking anyone out (docs/admin.md, "Signing in").

Failures are counted per (account, client address) and per client address, never per
account alone: five wrong passwords typed by someone else must not shut the owner out of
their own account. Past a few free failures each key waits before its next attempt, twice
as long after every further failure (2 s, 4 s, 8 s … at most 15 minutes), so once the delay
has grown one address gets at most four guesses an hour at one account, and spraying many
accounts from one address meets the per-address delay. A key is forgotten an hour after its
last failure, and a successful sign-in forgets its pair (not its address: one valid account
must not reset an address's count).

An attempt is counted as a failure *before* its password is checked, in the same locked step
that lets it through, and a success takes that count back: otherwise forty guesses sent at
once would all pass the check while the first of them is still hashing, and be counted only
afterwards.

IPv6 addresses are counted by their /64, which one machine usually holds whole. Kept in
memory: each server process counts on its own, and a restart forgets the counts; the argon2
hash makes every guess slow as well.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS = 3
FREE_FAILURES_PER_ADDRESS = 20
FIRST_DELAY = timedelta(seconds=2)
LONGEST_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)
MAX_TRACKED_KEYS = 100_000


@dataclass
class Failures:
    count: int
    last: datetime


class LoginThrottle:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        # Least recently failed first: when full, the stalest key is dropped, never all.
        self.failures: OrderedDict[str, Failures] = OrderedDict()
        self.lock = threading.Lock()

    def admit(self, ip: str, email: str) -> timedelta | None:
        """Lets an attempt through, counted as a failure until ``record_success`` takes it
        back; or answers how long this address must wait before trying this e-mail again."""
        now = self.clock()
        with self.lock:
            wait = self.longest_wait(ip, email, now)
            if wait is None:
                for key, _ in self.limits(ip, email):
                    self.count_failure(key, now)
        return wait

    def wait_needed(self, ip: str, email: str) -> timedelta | None:
        """How long until this address may try this e-mail again, or None when it may now."""
        with self.lock:
            return self.longest_wait(ip, email, self.clock())

    def record_success(self, ip: str, email: str) -> None:
        """The admitted attempt was right: its pair is forgotten, and the address's count
        loses the failure ``admit`` counted for it."""
        with self.lock:
            self.failures.pop(pair_key(ip, email), None)
            failures = self.failures.get(address_key(ip))
            if failures is not None:
                failures.count -= 1
                if failures.count <= 0:
                    del self.failures[address_key(ip)]

    def longest_wait(self, ip: str, email: str, now: datetime) -> timedelta | None:
        waits = [self.wait_for(key, free, now) for key, free in self.limits(ip, email)]
        blocked = [wait for wait in waits if wait is not None]
        return max(blocked) if blocked else None

    def limits(self, ip: str, email: str) -> list[tuple[str, int]]:
        return [
            (address_key(ip), FREE_FAILURES_PER_ADDRESS),
            (pair_key(ip, email), FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS),
        ]

    def count_failure(self, key: str, now: datetime) -> None:
        failures = self.failures.pop(key, None)
        if failures is None or now - failures.last >= FORGET_AFTER:
            failures = Failures(0, now)
        failures.count += 1
        failures.last = now
        self.failures[key] = failures  # to the end: the most recently failed
        while len(self.failures) > MAX_TRACKED_KEYS:
            self.failures.popitem(last=False)

    def wait_for(self, key: str, free: int, now: datetime) -> timedelta | None:
        failures = self.failures.get(key)
        if failures is None or failures.count <= free:
            return None
        ready_at = failures.last + delay_after(failures.count - free - 1)
        return ready_at - now if ready_at > now else None


def delay_after(extra_failures: int) -> timedelta:
    """The wait after the free failures and ``extra_failures`` more: 2 s, 4 s, … 15 min."""
    if extra_failures >= 20:  # 2 s times 2^20 is far past the longest delay
        return LONGEST_DELAY
    grown: timedelta = FIRST_DELAY * (2**extra_failures)
    return min(grown, LONGEST_DELAY)


def address_key(ip: str) -> str:
    return "address:" + client_network(ip)


def pair_key(ip: str, email: str) -> str:
    return f"pair:{client_network(ip)} {email.strip().lower()}"


def client_network(ip: str) -> str:
    """The address, or its /64 for IPv6."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
