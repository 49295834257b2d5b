"""Every admin page needs a sign-in; another project's pages are 404; Users is for superusers."""

from __future__ import annotations

import pytest

from tests.support.admin import browser_client, signed_in
from tests.support.people import World, declare_entity

PROJECT_PAGES = [
    "/entities",
    "/entities/new",
    "/entities/{entity}/edit",
    "/sessions",
    "/sessions/some-session",
    "/installation",
]
OTHER_PAGES = ["/admin/", "/admin/account/tokens", "/admin/users", "/admin/switch?project_id=1"]


def project_pages(world: World, entity_id: int) -> list[str]:
    base = f"/admin/projects/{world.project_id}"
    return [base + page.format(entity=entity_id) for page in PROJECT_PAGES]


def test_every_admin_page_sends_a_signed_out_visitor_to_sign_in(world: World) -> None:
    entity = declare_entity(world, name="visit_id")
    with browser_client(world.base_url) as visitor:
        for page in [*project_pages(world, entity["id"]), *OTHER_PAGES]:
            response = visitor.get(page)
            assert response.status_code == 303, page
            assert response.headers["location"].startswith("/admin/login?next=/admin/"), page


def test_signed_out_form_posts_go_to_sign_in_and_write_nothing(world: World) -> None:
    entity = declare_entity(world, name="visit_id")
    base = f"/admin/projects/{world.project_id}/entities"
    with browser_client(world.base_url) as visitor:
        response = visitor.post(f"{base}/{entity['id']}/delete", data={"csrf_token": "x"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")
    url = f"/api/v1/projects/{world.project_id}/tracking-entities"
    assert len(world.owner.client.get(url).json()["items"]) == 1


def test_a_member_of_another_project_gets_404_on_this_projects_pages(world: World) -> None:
    entity = declare_entity(world, name="visit_id")
    outsider, csrf = signed_in(world.base_url, world.outsider.email)
    for page in project_pages(world, entity["id"]):
        assert outsider.get(page).status_code == 404, page

    base = f"/admin/projects/{world.project_id}/entities"
    deleted = outsider.post(f"{base}/{entity['id']}/delete", data={"csrf_token": csrf})
    created = outsider.post(
        f"{base}/new",
        data={"csrf_token": csrf, "name": "x", "type": "simple", "value": "x", "scope": "session"},
    )
    assert (deleted.status_code, created.status_code) == (404, 404)
    url = f"/api/v1/projects/{world.project_id}/tracking-entities"
    assert [item["name"] for item in world.owner.client.get(url).json()["items"]] == ["visit_id"]
    outsider.close()


def test_the_project_switcher_lists_only_the_users_projects(world: World) -> None:
    outsider, _ = signed_in(world.base_url, world.outsider.email)
    page = outsider.get(f"/admin/projects/{world.other_project_id}/entities").text
    assert "Other" in page
    assert "Acme" not in page
    outsider.close()


@pytest.mark.parametrize("email_of", ["owner", "member"])
def test_the_users_page_is_only_for_superusers(world: World, email_of: str) -> None:
    person, _ = signed_in(world.base_url, getattr(world, email_of).email)
    assert person.get("/admin/users").status_code == 404
    assert "/admin/users" not in person.get("/admin/account/tokens").text
    person.close()
    superuser, _ = signed_in(world.base_url, world.superuser.email)
    assert superuser.get("/admin/users").status_code == 200
    superuser.close()
