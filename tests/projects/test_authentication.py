"""Bearer tokens on /api/v1: missing, malformed, unknown and revoked tokens get 401."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialtrail.projects.models import ApiToken
from tests.support.clients import get
from tests.support.databases import Database
from tests.support.people import World
from tests.support.waiting import wait_for


@pytest.mark.storage_agnostic
def test_it_requires_a_token(world: World) -> None:
    response = world.anonymous.get("/api/v1/projects")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"
    assert "Authorization: Bearer" in response.json()["message"]


@pytest.mark.storage_agnostic
def test_it_says_when_the_bearer_scheme_is_missing(world: World) -> None:
    response = world.anonymous.get("/api/v1/projects", headers={"Authorization": "dt_abc"})

    assert response.status_code == 401
    assert response.json()["message"] == (
        "the Authorization header has no 'Bearer' scheme: write it as 'Authorization: Bearer dt_…'"
    )


@pytest.mark.storage_agnostic
def test_it_rejects_a_malformed_token(world: World) -> None:
    response = world.anonymous.get("/api/v1/projects", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 401
    assert "start with 'dt_'" in response.json()["message"]


@pytest.mark.storage_agnostic
def test_it_rejects_an_unknown_token(world: World) -> None:
    response = world.anonymous.get(
        "/api/v1/projects", headers={"Authorization": "Bearer dt_" + "x" * 43}
    )
    assert response.status_code == 401
    assert response.json()["message"] == "unknown API token"


def test_it_rejects_a_revoked_token(world: World) -> None:
    created = world.owner.client.post("/api/v1/tokens", json={"name": "crm sync"})
    assert created.status_code == 201
    token = created.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert world.anonymous.get("/api/v1/projects", headers=headers).status_code == 200

    revoked = world.owner.client.delete(f"/api/v1/tokens/{created.json()['id']}")

    assert revoked.status_code == 204
    response = world.anonymous.get("/api/v1/projects", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["message"]


def test_it_shows_a_new_token_once_and_stores_only_its_hash(
    world: World, database: Database
) -> None:
    created = world.owner.client.post("/api/v1/tokens", json={"name": "crm sync"}).json()

    assert created["token"].startswith("dt_")
    assert created["prefix"] == created["token"][:10]
    listed = world.owner.client.get("/api/v1/tokens").json()["items"]
    assert all("token" not in item for item in listed)
    with database.session() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert created["token"] not in stored
    assert all(len(value) == 64 for value in stored)


def test_it_records_when_a_token_was_last_used(world: World) -> None:
    before = world.owner.client.get("/api/v1/tokens").json()["items"]
    assert [item["last_used_at"] for item in before] != [None]
    created = world.owner.client.post("/api/v1/tokens", json={"name": "fresh"}).json()
    assert created["last_used_at"] is None

    used = get(
        world.base_url + "/api/v1/projects",
        headers={"Authorization": f"Bearer {created['token']}"},
    )

    assert used.status_code == 200

    # The last use is bookkeeping, committed as the request's session closes, which may be
    # just after the response (api/database.py): it is there a moment later.
    def last_used() -> str | None:
        items = world.owner.client.get("/api/v1/tokens").json()["items"]
        found: str | None = {item["id"]: item for item in items}[created["id"]]["last_used_at"]
        return found

    assert wait_for(last_used, "the token's last use to be recorded")


def test_it_does_not_let_one_user_revoke_anothers_token(world: World) -> None:
    mine = world.owner.client.get("/api/v1/tokens").json()["items"][0]

    response = world.outsider.client.delete(f"/api/v1/tokens/{mine['id']}")

    assert response.status_code == 404
    assert world.owner.client.get("/api/v1/projects").status_code == 200


@pytest.mark.storage_agnostic
def test_a_token_name_is_required(world: World) -> None:
    response = world.owner.client.post("/api/v1/tokens", json={"name": "  "})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "name"
