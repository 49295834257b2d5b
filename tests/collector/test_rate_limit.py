"""The collector's rate limiter on its own: which bucket an address counts against, and a full
table that forgets its least recently used client (time is injected)."""

from __future__ import annotations

import pytest

from dialtrail.collector.ratelimit import RateLimiter, client_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:7:1:aaaa:bbbb:cccc:dddd", "2001:db8:7:1::/64"),
        ("2001:DB8:7:1::1", "2001:db8:7:1::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("", ""),
    ],
)
def test_it_keys_ipv4_by_address_and_ipv6_by_its_64(address: str, key: str) -> None:
    assert client_key(address) == key


def emptied(limiter: RateLimiter, address: str) -> None:
    while limiter.allow(address):
        pass


def test_a_full_table_forgets_the_least_recently_used_client() -> None:
    clock = Clock()  # frozen: no bucket refills, so none would be "full again" by itself
    limiter = RateLimiter(rate=1, burst=2, clock=clock, max_clients=3)
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        emptied(limiter, address)
    assert not limiter.allow("192.0.2.2")  # used again: now the most recent

    emptied(limiter, "192.0.2.4")  # a fourth client: the oldest, .1, is forgotten

    assert list(limiter.buckets) == ["192.0.2.3", "192.0.2.2", "192.0.2.4"]
    assert not limiter.allow("192.0.2.3")  # still remembered, still empty
    assert limiter.allow("192.0.2.1")  # forgotten: a fresh bucket, and .2 goes
    assert list(limiter.buckets) == ["192.0.2.4", "192.0.2.3", "192.0.2.1"]


def test_the_table_never_grows_past_its_size() -> None:
    limiter = RateLimiter(rate=1, burst=1, clock=Clock(), max_clients=50)
    for number in range(1000):
        limiter.allow(f"2001:db8:{number:x}::1")
        assert len(limiter.buckets) <= 50
    assert len(limiter.buckets) == 50
    assert next(iter(limiter.buckets)) == "2001:db8:3b6::/64"  # the 950th: the oldest kept
