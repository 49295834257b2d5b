"""Signing in and out: the cookie, wrong passwords, next=, GET /, sliding expiry, logout."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import update

from dialtrail.app import create_app
from dialtrail.projects.models import User
from tests.admin.conftest import Clock
from tests.support.admin import attempt_sign_in, browser_client, csrf_of, signed_in
from tests.support.databases import Database
from tests.support.people import World, app_password_hash
from tests.support.server import serve


@pytest.fixture(autouse=True)
def app_hashing(world: World, database: Database) -> None:
    """Signing in is what this file tests: here the personas' passwords are hashed as the app
    hashes them (elsewhere with argon2's cheapest parameters, tests/support/people.py)."""
    with database.session() as session:
        session.execute(update(User).values(password_hash=app_password_hash()))
        session.commit()


@pytest.fixture
def client(world: World) -> Iterator[httpx.Client]:
    with browser_client(world.base_url) as client:
        yield client


def test_it_signs_in_with_an_http_only_same_site_cookie(world: World, client: httpx.Client) -> None:
    response = attempt_sign_in(client, world.owner.email)

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "dialtrail_admin=" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Max-Age=1209600" in cookie  # 14 days
    assert "Secure" not in cookie  # the test server's public URL is http
    home = client.get("/admin/").headers["location"]
    assert home == f"/admin/projects/{world.project_id}/dashboard"


def test_it_marks_the_cookie_secure_when_the_public_url_is_https(
    world: World, database: Database
) -> None:
    settings = database.settings.replace(base_url="https://calls.example.com")
    with serve(create_app(settings, database.engine)) as url, browser_client(url) as client:
        page = client.get("/admin/login")
        nonce_cookie = page.headers["set-cookie"]
        # httpx keeps Secure cookies for https only; this test server speaks http.
        client.cookies.set("dialtrail_login", nonce_cookie.split(";")[0].split("=", 1)[1])
        form = {"email": world.owner.email, "password": "correct horse battery staple"}
        response = client.post("/admin/login", data={**form, "csrf_token": csrf_of(page.text)})

    cookie = next(c for c in response.headers.get_list("set-cookie") if "dialtrail_admin=" in c)
    assert "Secure" in cookie
    assert "Secure" in nonce_cookie


def test_it_refuses_a_wrong_password_with_a_clear_message(
    world: World, client: httpx.Client
) -> None:
    response = attempt_sign_in(client, world.owner.email, "not the password")

    assert response.status_code == 400
    assert "Wrong e-mail address or password." in response.text
    assert "dialtrail_admin" not in client.cookies
    assert attempt_sign_in(client, "nobody@example.com").status_code == 400


def test_it_returns_to_the_page_asked_for_but_never_to_another_site(
    world: World, client: httpx.Client
) -> None:
    page = f"/admin/projects/{world.project_id}/sessions"
    redirect = client.get(page)
    assert redirect.headers["location"] == f"/admin/login?next={page}"

    for next_url, expected in [(page, page), ("https://evil.example/", "/admin/")]:
        client.cookies.clear()
        token = csrf_of(client.get("/admin/login").text)
        form = {"email": world.owner.email, "password": "correct horse battery staple"}
        response = client.post("/admin/login", data={**form, "csrf_token": token, "next": next_url})
        assert response.headers["location"] == expected


def test_it_sends_signed_in_people_from_the_root_to_the_ui(world: World) -> None:
    assert world.anonymous.get("/").json()["admin"] == "/admin/"
    client, _ = signed_in(world.base_url, world.owner.email)
    assert client.get("/").headers["location"] == "/admin/"
    client.close()


def test_signing_out_ends_the_session_for_the_old_cookie_too(world: World) -> None:
    client, csrf = signed_in(world.base_url, world.owner.email)
    old_cookie = client.cookies["dialtrail_admin"]

    response = client.post("/admin/logout", data={"csrf_token": csrf})

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
    with browser_client(world.base_url) as thief:
        thief.cookies.set("dialtrail_admin", old_cookie)
        assert thief.get("/admin/account/tokens").status_code == 303
        assert thief.get("/").headers["content-type"] == "application/json"
    client.close()


def test_a_session_expires_14_days_after_the_last_request(
    world: World, clocked_server: str, clock: Clock
) -> None:
    client, _ = signed_in(clocked_server, world.owner.email)

    clock.advance(days=13)
    assert client.get("/admin/account/tokens").status_code == 200  # slides the expiry
    clock.advance(days=13)
    assert client.get("/admin/account/tokens").status_code == 200
    clock.advance(days=14, seconds=1)
    response = client.get("/admin/account/tokens")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")
    client.close()
