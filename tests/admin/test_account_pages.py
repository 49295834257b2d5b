"""API tokens (shown once, last use, revoke) and Users (superusers create users and members)."""

from __future__ import annotations

import re

from tests.admin.conftest import SignedIn
from tests.support.admin import browser_client, signed_in
from tests.support.clients import http_client
from tests.support.databases import Database
from tests.support.people import World
from tests.support.processes import database_url, serving


def token_names(world: World) -> list[str]:
    return [t["name"] for t in world.owner.client.get("/api/v1/tokens").json()["items"]]


def test_a_token_is_shown_once_works_and_can_be_revoked(world: World, owner: SignedIn) -> None:
    created = owner.post("/admin/account/tokens", name="CRM import")
    assert created.status_code == 303
    assert created.headers["location"] == "/admin/account/tokens"
    shown = owner.client.get("/admin/account/tokens")
    found = re.search(r'data-testid="new-token">(dt_[^<]+)<', shown.text)
    assert found is not None
    secret = found.group(1)
    assert secret not in created.headers["location"]

    api = http_client(world.base_url, headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/projects").status_code == 200
    listing = owner.client.get("/admin/account/tokens").text
    assert secret not in listing
    assert "CRM import" in listing

    token_id = next(
        t["id"]
        for t in world.owner.client.get("/api/v1/tokens").json()["items"]
        if t["name"] == "CRM import"
    )
    assert owner.post(f"/admin/account/tokens/{token_id}/revoke").status_code == 303
    assert api.get("/api/v1/projects").status_code == 401
    api.close()


def test_reloading_the_page_that_shows_a_token_neither_shows_it_again_nor_adds_one(
    world: World, owner: SignedIn
) -> None:
    before = token_names(world)
    owner.post("/admin/account/tokens", name="CRM import")

    first = owner.client.get("/admin/account/tokens")
    again = owner.client.get("/admin/account/tokens")

    assert first.text.count('data-testid="new-token"') == 1
    assert 'data-testid="new-token"' not in again.text
    assert "CRM import" in again.text  # listed, without its secret
    assert token_names(world) == [*before, "CRM import"]


def test_a_new_token_is_shown_only_to_the_login_session_that_made_it(
    world: World, owner: SignedIn
) -> None:
    other_browser, _ = signed_in(world.base_url, world.owner.email)
    owner.post("/admin/account/tokens", name="CRM import")

    assert 'data-testid="new-token"' not in other_browser.get("/admin/account/tokens").text
    assert 'data-testid="new-token"' in owner.client.get("/admin/account/tokens").text
    other_browser.close()


def test_the_page_after_the_redirect_may_come_from_another_server_process(
    world: World, owner: SignedIn, database: Database
) -> None:
    # Behind a load balancer, the GET after the 303 can reach another `dialtrail serve`.
    created = owner.post("/admin/account/tokens", name="CRM import")
    assert created.status_code == 303

    with serving({"DIALTRAIL_DATABASE_URL": database_url(database)}) as other_process:
        browser = browser_client(other_process)
        browser.cookies = owner.client.cookies
        shown = browser.get("/admin/account/tokens")
        again = browser.get("/admin/account/tokens")
        browser.close()

    assert shown.text.count('data-testid="new-token"') == 1
    assert 'data-testid="new-token"' not in again.text


def test_a_token_needs_a_name_and_only_your_own_can_be_revoked(
    world: World, owner: SignedIn
) -> None:
    refused = owner.post("/admin/account/tokens", name="   ")
    assert refused.status_code == 422
    assert "Give the token a name" in refused.text
    assert "String should have" not in refused.text

    others = world.member.client.get("/api/v1/tokens").json()["items"]
    assert owner.post(f"/admin/account/tokens/{others[0]['id']}/revoke").status_code == 404
    assert world.member.client.get("/api/v1/tokens").status_code == 200


def test_a_superuser_creates_a_user_and_adds_them_to_a_project(world: World) -> None:
    client, csrf = signed_in(world.base_url, world.superuser.email)

    short = client.post(
        "/admin/users", data={"csrf_token": csrf, "email": "new@example.com", "password": "x"}
    )
    assert short.status_code == 422
    assert "at least 8 characters" in short.text
    created = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "email": "new@example.com", "password": "long enough pass"},
    )
    assert created.status_code == 201
    added = client.post(
        "/admin/users/members",
        data={
            "csrf_token": csrf,
            "project_id": str(world.project_id),
            "email": "new@example.com",
            "role": "member",
        },
    )
    assert added.status_code == 201
    members = world.owner.client.get(f"/api/v1/projects/{world.project_id}/members").json()
    assert "new@example.com" in [member["email"] for member in members["items"]]
    unknown = client.post(
        "/admin/users/members",
        data={
            "csrf_token": csrf,
            "project_id": str(world.project_id),
            "email": "no@example.com",
            "role": "member",
        },
    )
    assert unknown.status_code == 422
    assert 'id="member-email-error">no user with e-mail no@example.com exists' in unknown.text
    client.close()
