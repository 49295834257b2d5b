"""Set-up → Members: owners add members, change roles and remove them; the last owner stays;
members see the list read-only and are refused (403) any change; outsiders get 404."""

from __future__ import annotations

from tests.admin.conftest import SignedIn
from tests.support.admin import signed_in
from tests.support.people import World


def roles(world: World) -> dict[str, str]:
    url = f"/api/v1/projects/{world.project_id}/members"
    items = world.superuser.client.get(url).json()["items"]
    return {item["email"]: item["role"] for item in items}


def test_an_owner_sees_every_member_with_their_role(world: World, owner: SignedIn) -> None:
    page = owner.client.get(f"{owner.project}/members")

    assert page.status_code == 200
    assert "owner@example.com" in page.text
    assert "member@example.com" in page.text
    assert 'aria-current="page">Members<' in page.text
    assert "Add a member" in page.text


def test_an_owner_makes_a_member_an_owner_and_back(world: World, owner: SignedIn) -> None:
    url = f"{owner.project}/members/{world.member.user_id}/role"

    promoted = owner.post(url, role="owner")
    assert promoted.status_code == 303
    assert promoted.headers["location"] == f"{owner.project}/members"
    assert (
        "member@example.com is now an owner of Acme."
        in owner.client.get(promoted.headers["location"]).text
    )
    assert roles(world)["member@example.com"] == "owner"

    assert owner.post(url, role="member").status_code == 303
    assert roles(world)["member@example.com"] == "member"


def test_the_last_owner_cannot_step_down_or_be_removed(world: World, owner: SignedIn) -> None:
    demoted = owner.post(f"{owner.project}/members/{world.owner.user_id}/role", role="member")
    assert demoted.status_code == 409
    assert (
        "Cannot make owner@example.com a member: owner@example.com is the only owner of Acme, "
        "and a project must keep at least one owner. Make another member an owner first."
    ) in demoted.text

    removed = owner.post(f"{owner.project}/members/{world.owner.user_id}/remove")
    assert removed.status_code == 409
    assert "Cannot remove owner@example.com: owner@example.com is the only owner" in removed.text

    re_added = owner.post(f"{owner.project}/members", email="owner@example.com", role="member")
    assert re_added.status_code == 409
    assert "is the only owner of Acme" in re_added.text
    assert roles(world) == {"owner@example.com": "owner", "member@example.com": "member"}


def test_an_owner_may_step_down_once_another_owner_exists(world: World, owner: SignedIn) -> None:
    owner.post(f"{owner.project}/members/{world.member.user_id}/role", role="owner")

    stepped_down = owner.post(f"{owner.project}/members/{world.owner.user_id}/role", role="member")

    assert stepped_down.status_code == 303
    assert roles(world)["owner@example.com"] == "member"
    page = owner.client.get(f"{owner.project}/members").text
    assert "Only the project's owners can change its members." in page


def test_an_owner_removes_a_member_who_then_no_longer_sees_the_project(
    world: World, owner: SignedIn
) -> None:
    member, _ = signed_in(world.base_url, world.member.email)
    assert member.get(f"{owner.project}/entities").status_code == 200

    removed = owner.post(f"{owner.project}/members/{world.member.user_id}/remove")

    assert removed.status_code == 303
    page = owner.client.get(f"{owner.project}/members").text
    assert "member@example.com was removed from Acme." in page
    assert roles(world) == {"owner@example.com": "owner"}
    assert member.get(f"{owner.project}/entities").status_code == 404
    assert owner.post(f"{owner.project}/members/{world.member.user_id}/remove").status_code == 404
    member.close()


def test_an_owner_who_leaves_is_sent_home(world: World, owner: SignedIn) -> None:
    owner.post(f"{owner.project}/members/{world.member.user_id}/role", role="owner")

    left = owner.post(f"{owner.project}/members/{world.owner.user_id}/remove")

    assert left.status_code == 303
    assert left.headers["location"] == "/admin/"
    assert roles(world) == {"member@example.com": "owner"}
    assert owner.client.get(f"{owner.project}/members").status_code == 404


def test_an_owner_adds_an_existing_user_and_is_told_about_a_typo(
    world: World, owner: SignedIn
) -> None:
    typo = owner.post(f"{owner.project}/members", email="outsidr@example.com", role="member")
    assert typo.status_code == 422
    assert 'id="email-error">no user with e-mail outsidr@example.com exists' in typo.text
    assert 'value="outsidr@example.com"' in typo.text

    bad_role = owner.post(f"{owner.project}/members", email="outsider@example.com", role="boss")
    assert bad_role.status_code == 422

    added = owner.post(f"{owner.project}/members", email=" Outsider@Example.com ", role="member")
    assert added.status_code == 303
    assert roles(world)["outsider@example.com"] == "member"


def test_a_bad_role_is_refused_and_changes_nothing(world: World, owner: SignedIn) -> None:
    refused = owner.post(f"{owner.project}/members/{world.member.user_id}/role", role="admin")
    assert refused.status_code == 422
    assert "choose owner or member" in refused.text
    assert roles(world)["member@example.com"] == "member"


def test_a_member_sees_the_list_read_only_and_every_change_is_403(world: World) -> None:
    member, csrf = signed_in(world.base_url, world.member.email)
    base = f"/admin/projects/{world.project_id}/members"
    page = member.get(base)
    assert page.status_code == 200
    assert "Only the project's owners can change its members." in page.text
    assert f"{base}/{world.owner.user_id}/remove" not in page.text
    assert "Add a member" not in page.text

    posts = {
        f"{base}/{world.owner.user_id}/remove": {},
        f"{base}/{world.member.user_id}/role": {"role": "owner"},
        f"{base}/{world.owner.user_id}/role": {"role": "member"},
        base: {"email": "outsider@example.com", "role": "owner"},
    }
    for url, form in posts.items():
        answer = member.post(url, data={"csrf_token": csrf, **form})
        assert answer.status_code == 403, url
        assert "only the project&#39;s owners may do this" in answer.text
    assert roles(world) == {"owner@example.com": "owner", "member@example.com": "member"}
    member.close()


def test_an_outsider_gets_404_and_changes_nothing(world: World) -> None:
    outsider, csrf = signed_in(world.base_url, world.outsider.email)
    base = f"/admin/projects/{world.project_id}/members"
    assert outsider.get(base).status_code == 404
    removed = outsider.post(f"{base}/{world.member.user_id}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 404
    assert roles(world)["member@example.com"] == "member"
    outsider.close()


def test_member_changes_need_the_forms_csrf_token(world: World, owner: SignedIn) -> None:
    url = f"{owner.project}/members/{world.member.user_id}/remove"
    assert owner.client.post(url).status_code == 403
    assert owner.client.post(url, data={"csrf_token": "0" * 64}).status_code == 403
    role = f"{owner.project}/members/{world.member.user_id}/role"
    assert owner.client.post(role, data={"role": "owner"}).status_code == 403
    assert roles(world)["member@example.com"] == "member"


def test_a_superuser_who_is_not_a_member_manages_members(world: World) -> None:
    superuser, csrf = signed_in(world.base_url, world.superuser.email)
    url = f"/admin/projects/{world.project_id}/members/{world.member.user_id}/role"
    answer = superuser.post(url, data={"csrf_token": csrf, "role": "owner"})
    assert answer.status_code == 303
    assert roles(world)["member@example.com"] == "owner"
    superuser.close()
