"""/api/v1/projects/{id}/members: owners add, change and remove members."""

from __future__ import annotations

import pytest

from tests.support.people import World


def members_url(world: World) -> str:
    return f"/api/v1/projects/{world.project_id}/members"


def test_it_lists_members_with_their_roles(world: World) -> None:
    response = world.member.client.get(members_url(world))

    assert response.status_code == 200
    assert response.json()["items"] == [
        {"user_id": world.owner.user_id, "email": "owner@example.com", "role": "owner"},
        {"user_id": world.member.user_id, "email": "member@example.com", "role": "member"},
    ]


def test_an_owner_adds_an_existing_user_who_then_sees_the_project(world: World) -> None:
    response = world.owner.client.post(members_url(world), json={"email": " Outsider@Example.com "})

    assert response.status_code == 201, response.text
    assert response.json()["role"] == "member"
    project = world.outsider.client.get(f"/api/v1/projects/{world.project_id}")
    assert project.status_code == 200
    assert project.json()["role"] == "member"


@pytest.mark.storage_agnostic
def test_adding_an_unknown_user_names_the_email_field(world: World) -> None:
    response = world.owner.client.post(members_url(world), json={"email": "nobody@example.com"})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "email"
    assert "nobody@example.com" in response.json()["message"]


@pytest.mark.storage_agnostic
def test_a_member_cannot_add_members(world: World) -> None:
    response = world.member.client.post(members_url(world), json={"email": "outsider@example.com"})
    assert response.status_code == 403


def test_an_owner_promotes_and_removes_a_member(world: World) -> None:
    promoted = world.owner.client.post(
        members_url(world), json={"email": "member@example.com", "role": "owner"}
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "owner"

    removed = world.member.client.delete(f"{members_url(world)}/{world.owner.user_id}")

    assert removed.status_code == 204
    assert world.owner.client.get(f"/api/v1/projects/{world.project_id}").status_code == 404


def test_the_last_owner_cannot_leave_or_be_demoted(world: World) -> None:
    url = f"{members_url(world)}/{world.owner.user_id}"
    assert world.owner.client.delete(url).status_code == 409
    demoted = world.owner.client.post(
        members_url(world), json={"email": "owner@example.com", "role": "member"}
    )
    assert demoted.status_code == 409
    assert "at least one owner" in demoted.json()["message"]


@pytest.mark.storage_agnostic
def test_outsiders_cannot_see_the_members(world: World) -> None:
    assert world.outsider.client.get(members_url(world)).status_code == 404
    assert world.anonymous.get(members_url(world)).status_code == 401
