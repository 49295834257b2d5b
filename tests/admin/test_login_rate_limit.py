"""Failed sign-ins slow guessing down per (account, address) and per address, with a delay
that grows, and never lock an account out for everyone (admin/throttle.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest

from dialtrail.admin.throttle import (
    FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS,
    LoginThrottle,
    client_network,
    delay_after,
)
from tests.admin.conftest import Clock
from tests.support.admin import attempt_sign_in, browser_client, csrf_of
from tests.support.people import World

pytestmark = pytest.mark.storage_agnostic

ATTACKER, OWNER = "198.51.100.66", "203.0.113.7"


def client_at(base_url: str, address: str) -> httpx.Client:
    """A browser at ``address``: the test server (uvicorn) believes X-Forwarded-For from
    127.0.0.1, as a server behind a proxy does (docs/deployment.md)."""
    client = browser_client(base_url)
    client.headers["X-Forwarded-For"] = address
    return client


def test_it_slows_guessing_with_a_delay_that_grows(
    world: World, clocked_server: str, clock: Clock
) -> None:
    with browser_client(clocked_server) as client:
        for _ in range(3):
            assert attempt_sign_in(client, world.owner.email, "a guess").status_code == 400
        assert attempt_sign_in(client, world.owner.email, "a guess").status_code == 400

        refused = attempt_sign_in(client, world.owner.email)  # even the right password waits
        assert refused.status_code == 429
        assert "Too many failed sign-ins from your network" in refused.text
        assert "Try again in 2 seconds" in refused.text
        assert "dialtrail_admin" not in client.cookies

        clock.advance(seconds=2)
        assert attempt_sign_in(client, world.owner.email, "a guess").status_code == 400
        assert "Try again in 4 seconds" in attempt_sign_in(client, world.owner.email).text
        clock.advance(seconds=4)
        assert attempt_sign_in(client, world.owner.email).status_code == 303


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(world: World, clocked_server: str) -> None:
    with client_at(clocked_server, ATTACKER) as attacker, client_at(clocked_server, OWNER) as owner:
        for _ in range(6):  # what used to lock the account for everyone
            attempt_sign_in(attacker, world.owner.email, "a guess")
        assert attempt_sign_in(attacker, world.owner.email).status_code == 429

        assert attempt_sign_in(owner, world.owner.email).status_code == 303


def test_one_address_trying_many_accounts_meets_the_address_delay(
    world: World, clocked_server: str
) -> None:
    with client_at(clocked_server, ATTACKER) as sprayer, client_at(clocked_server, OWNER) as owner:
        for number in range(21):
            response = attempt_sign_in(sprayer, f"guess{number}@example.com", "a guess")
            assert response.status_code == 400

        assert attempt_sign_in(sprayer, world.member.email).status_code == 429
        assert attempt_sign_in(owner, world.member.email).status_code == 303


def test_the_delay_doubles_up_to_fifteen_minutes() -> None:
    delays = [delay_after(extra) for extra in range(12)]

    assert delays[:4] == [timedelta(seconds=seconds) for seconds in (2, 4, 8, 16)]
    assert delays[-1] == timedelta(minutes=15)
    assert delay_after(10_000) == timedelta(minutes=15)


def test_a_success_forgets_the_pair_but_not_the_address() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    for number in range(10):
        assert throttle.admit(ATTACKER, f"guess{number}@example.com") is None
    for _ in range(3):
        assert throttle.admit(ATTACKER, "owner@example.com") is None  # wrong passwords

    assert throttle.admit(ATTACKER, "owner@example.com") is None
    throttle.record_success(ATTACKER, "owner@example.com")  # the right one

    # 13 failures on the address: 8 more pass (to 21), the next waits; the pair starts afresh.
    for number in range(8):
        assert throttle.admit(ATTACKER, f"more{number}@example.com") is None
    assert throttle.admit(ATTACKER, "more@example.com") is not None
    assert throttle.wait_needed(OWNER, "owner@example.com") is None


def test_right_passwords_are_never_throttled() -> None:
    """Each attempt is counted before its password is checked; a success takes it back."""
    throttle = LoginThrottle(Clock())
    for _ in range(50):
        assert throttle.admit(OWNER, "owner@example.com") is None
        throttle.record_success(OWNER, "owner@example.com")
    assert throttle.failures == {}


def test_failures_are_forgotten_an_hour_after_the_last() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(10):
        throttle.admit(ATTACKER, "owner@example.com")
    assert throttle.wait_needed(ATTACKER, "owner@example.com") is not None
    clock.advance(hours=1)
    assert throttle.admit(ATTACKER, "owner@example.com") is None

    assert throttle.wait_needed(ATTACKER, "owner@example.com") is None


def test_guesses_sent_at_once_are_throttled_like_guesses_in_a_row(
    world: World, clocked_server: str
) -> None:
    """Forty wrong passwords sent together: only the free ones (and the first that starts the
    delay) reach the password check; the rest wait, as they would one after another."""
    clients = [client_at(clocked_server, ATTACKER) for _ in range(40)]
    forms = [sign_in_form(client, world.owner.email, "a guess") for client in clients]
    start = threading.Barrier(len(clients))

    def guess(client: httpx.Client, form: dict[str, str]) -> int:
        start.wait()
        return client.post("/admin/login", data=form).status_code

    try:
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            codes = list(pool.map(guess, clients, forms))
    finally:
        for client in clients:
            client.close()

    checked = FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS + 1
    assert sorted(codes) == [400] * checked + [429] * (len(clients) - checked)
    with client_at(clocked_server, OWNER) as owner:  # the owner, elsewhere, is not slowed
        assert attempt_sign_in(owner, world.owner.email).status_code == 303


def sign_in_form(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    """The filled-in sign-in form of a freshly loaded page (its nonce cookie stays with
    ``client``), ready to post."""
    token = csrf_of(client.get("/admin/login").text)
    return {"email": email, "password": password, "csrf_token": token, "next": "/admin/"}


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
    ],
)
def test_ipv6_clients_are_counted_by_their_64(address: str, network: str) -> None:
    assert client_network(address) == network
