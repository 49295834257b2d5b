"""Every admin page needs a sign-in; another project's pages are 404; Users is for superusers."""

from __future__ import annotations

import pytest

from tests.support.admin import browser_client, signed_in
from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World, declare_entity

PROJECT_PAGES = [
    "/entities",
    "/entities/new",
    "/entities/{entity}/edit",
    "/numbers",
    "/numbers/{number}/edit",
    "/sessions",
    "/sessions/some-session",
    "/calls",
    "/calls.csv",
    "/calls/{call}",
    "/installation",
    "/settings",
    "/settings/delete",
    "/members",
    "/ads-conversions",
    "/ads-conversions/files/google.csv",
]
OTHER_PAGES = [
    "/admin/",
    "/admin/projects/new",
    "/admin/account/tokens",
    "/admin/account/password",
    "/admin/users",
    "/admin/users/1/password",
    "/admin/switch?project_id=1",
]


def project_pages(world: World, entity_id: int, database: Database) -> list[str]:
    """Every project page, with an entity, a number and a call of "Acme" to open."""
    base = f"/admin/projects/{world.project_id}"
    numbers = f"/api/v1/projects/{world.project_id}/numbers"
    number = world.owner.client.post(numbers, json={"number": "+380441110001"}).json()
    call = CallRows(database, world.project_id).call()
    ids = {"entity": entity_id, "number": number["id"], "call": call}
    return [base + page.format(**ids) for page in PROJECT_PAGES]


@pytest.mark.storage_agnostic
def test_every_admin_page_sends_a_signed_out_visitor_to_sign_in(
    world: World, database: Database
) -> None:
    entity = declare_entity(world, name="visit_id")
    with browser_client(world.base_url) as visitor:
        for page in [*project_pages(world, entity["id"], database), *OTHER_PAGES]:
            response = visitor.get(page)
            assert response.status_code == 303, page
            assert response.headers["location"].startswith("/admin/login?next=/admin/"), page


@pytest.mark.storage_agnostic
def test_signed_out_form_posts_go_to_sign_in_and_write_nothing(world: World) -> None:
    entity = declare_entity(world, name="visit_id")
    base = f"/admin/projects/{world.project_id}/entities"
    with browser_client(world.base_url) as visitor:
        response = visitor.post(f"{base}/{entity['id']}/delete", data={"csrf_token": "x"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")
    url = f"/api/v1/projects/{world.project_id}/tracking-entities"
    assert len(world.owner.client.get(url).json()["items"]) == 1


@pytest.mark.storage_agnostic
def test_a_member_of_another_project_gets_404_on_this_projects_pages(
    world: World, database: Database
) -> None:
    entity = declare_entity(world, name="visit_id")
    outsider, csrf = signed_in(world.base_url, world.outsider.email)
    for page in project_pages(world, entity["id"], database):
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


@pytest.mark.storage_agnostic
def test_an_outsiders_number_forms_are_404_and_change_nothing(world: World) -> None:
    numbers = f"/api/v1/projects/{world.project_id}/numbers"
    number = world.owner.client.post(numbers, json={"number": "+380441110001"}).json()
    outsider, csrf = signed_in(world.base_url, world.outsider.email)
    base = f"/admin/projects/{world.project_id}/numbers"
    posts = {
        base: {"number": "+380441110002"},
        f"{base}/bulk": {"numbers": "+380441110003"},
        f"{base}/{number['id']}/edit": {"kind": "static", "label": "x"},
        f"{base}/{number['id']}/remove": {},
        f"{base}/pool": {"hold_seconds": "600"},
    }
    answers = [outsider.post(url, data={"csrf_token": csrf, **form}) for url, form in posts.items()]
    outsider.close()

    assert [answer.status_code for answer in answers] == [404] * len(posts)
    listed = world.owner.client.get(numbers).json()["items"]
    assert [(item["number"], item["kind"], item["status"]) for item in listed] == [
        ("+380441110001", "pool", "free")
    ]
    project = world.owner.client.get(f"/api/v1/projects/{world.project_id}").json()
    assert project["hold_seconds"] == 300


def test_the_project_switcher_lists_only_the_users_projects(world: World) -> None:
    outsider, _ = signed_in(world.base_url, world.outsider.email)
    page = outsider.get(f"/admin/projects/{world.other_project_id}/entities").text
    assert "Other" in page
    assert "Acme" not in page
    outsider.close()


@pytest.mark.storage_agnostic
def test_switching_project_keeps_the_section_or_opens_the_dashboard(world: World) -> None:
    owner, _ = signed_in(world.base_url, world.owner.email)
    tokens_page = owner.get("/admin/account/tokens").text
    assert '<input type="hidden" name="section" value="tokens">' in tokens_page
    calls_page = owner.get(f"/admin/projects/{world.project_id}/calls").text
    assert '<input type="hidden" name="section" value="calls">' in calls_page
    base = f"/admin/switch?project_id={world.project_id}"
    expected = {
        base: "/dashboard",
        base + "&section=calls": "/calls",
        base + "&section=tokens": "/dashboard",  # an account page: as after sign-in
    }
    for switch, section in expected.items():
        answer = owner.get(switch)
        assert answer.status_code == 303, switch
        assert answer.headers["location"].endswith(f"/admin/projects/{world.project_id}{section}")
    owner.close()


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("email_of", ["owner", "member"])
def test_the_users_page_is_only_for_superusers(world: World, email_of: str) -> None:
    person, _ = signed_in(world.base_url, getattr(world, email_of).email)
    assert person.get("/admin/users").status_code == 404
    assert "/admin/users" not in person.get("/admin/account/tokens").text
    person.close()
    superuser, _ = signed_in(world.base_url, world.superuser.email)
    assert superuser.get("/admin/users").status_code == 200
    superuser.close()
