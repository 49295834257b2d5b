"""Failed sign-ins are limited per e-mail address and per IP address, with a clear message."""

from __future__ import annotations

from tests.admin.conftest import Clock
from tests.support.admin import attempt_sign_in, browser_client
from tests.support.people import World


def test_it_stops_guessing_one_accounts_password_for_15_minutes(
    world: World, clocked_server: str, clock: Clock
) -> None:
    with browser_client(clocked_server) as client:
        for _ in range(5):
            assert attempt_sign_in(client, world.owner.email, "a guess").status_code == 400

        refused = attempt_sign_in(client, world.owner.email)  # even the right password
        assert refused.status_code == 429
        assert "Too many failed sign-ins" in refused.text
        assert "Try again in 15 minutes" in refused.text
        assert "dialtrail_admin" not in client.cookies
        assert attempt_sign_in(client, world.member.email).status_code == 303

        clock.advance(minutes=15)
        assert attempt_sign_in(client, world.owner.email).status_code == 303


def test_it_stops_one_address_trying_many_accounts(
    world: World, clocked_server: str, clock: Clock
) -> None:
    with browser_client(clocked_server) as client:
        for number in range(30):
            response = attempt_sign_in(client, f"guess{number}@example.com", "a guess")
            assert response.status_code == 400

        refused = attempt_sign_in(client, world.owner.email)
        assert refused.status_code == 429
        assert "from your network" in refused.text
