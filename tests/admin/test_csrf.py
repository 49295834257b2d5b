"""Every form post needs the CSRF token of the signed-in session: otherwise 403, nothing written."""

from __future__ import annotations

import pytest

from tests.admin.conftest import SignedIn
from tests.support.admin import signed_in
from tests.support.people import World

pytestmark = pytest.mark.storage_agnostic

ENTITY = {"name": "visit_id", "type": "expression", "scope": "session", "value": "r7k12_si"}


def entity_names(world: World) -> list[str]:
    url = f"/api/v1/projects/{world.project_id}/tracking-entities"
    return [item["name"] for item in world.owner.client.get(url).json()["items"]]


def test_a_form_post_without_the_token_is_refused_and_writes_nothing(
    world: World, owner: SignedIn
) -> None:
    response = owner.client.post(f"{owner.project}/entities/new", data=ENTITY)

    assert response.status_code == 403
    assert "Form refused" in response.text
    assert "Nothing was changed" in response.text
    assert entity_names(world) == []


def test_a_wrong_token_or_another_sessions_token_is_refused(world: World, owner: SignedIn) -> None:
    member, member_csrf = signed_in(world.base_url, world.member.email)
    for token in ["0" * 64, member_csrf]:
        response = owner.client.post(
            f"{owner.project}/entities/new", data={**ENTITY, "csrf_token": token}
        )
        assert response.status_code == 403
    assert entity_names(world) == []
    member.close()


def test_sign_out_needs_the_token_too(owner: SignedIn) -> None:
    assert owner.client.post("/admin/logout").status_code == 403
    assert owner.client.get("/admin/account/tokens").status_code == 200


def test_the_sign_in_form_needs_its_own_token(world: World, owner: SignedIn) -> None:
    form = {"email": world.owner.email, "password": "correct horse battery staple"}
    assert world.anonymous.post("/admin/login", data=form).status_code == 403


def test_the_token_works_once_given(world: World, owner: SignedIn) -> None:
    response = owner.post(f"{owner.project}/entities/new", **ENTITY)

    assert response.status_code == 303
    assert entity_names(world) == ["visit_id"]
