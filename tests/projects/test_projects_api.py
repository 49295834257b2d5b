"""/api/v1/projects: create, read, update, delete; validation of every field of docs/design.md
§1."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from dialtrail.projects.models import Project
from tests.support.databases import Database
from tests.support.people import World


def project_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Project)) or 0


def test_it_creates_a_project_owned_by_its_creator(world: World) -> None:
    response = world.member.client.post(
        "/api/v1/projects",
        json={
            "name": " Shop ",
            "domains": ["Shop.Example.com", "https://ignored.example"][:1],
            "site_numbers": ["+38 (044) 111-22-33"],
            "timezone": "Europe/Kyiv",
        },
    )

    assert response.status_code == 201
    project = response.json()
    assert project["name"] == "Shop"
    assert project["role"] == "owner"
    assert project["domains"] == ["shop.example.com"]
    assert project["site_numbers"] == ["+380441112233"]
    assert project["default_number"] == "+380441112233"
    assert project["timezone"] == "Europe/Kyiv"
    assert project["hold_seconds"] == 300
    assert project["on_pool_exhausted"] == "reuse_oldest"
    assert project["late_call_seconds"] == 1800
    assert project["allow_raw_js"] is False
    assert project["consent"] == "not_required"
    assert len(project["public_key"]) >= 16
    shown = world.member.client.get(f"/api/v1/projects/{project['id']}")
    assert shown.json() == project


@pytest.mark.parametrize(
    "spelling", ["+38 (044) 111-22-33", "044 111 22 33", "0441112233", "+380441112233"]
)
def test_it_reads_national_spellings_with_the_project_country(world: World, spelling: str) -> None:
    response = world.owner.client.post(
        "/api/v1/projects",
        json={"name": "Kyiv", "country": "ua", "site_numbers": [spelling]},
    )

    assert response.status_code == 201, response.text
    assert response.json()["site_numbers"] == ["+380441112233"]
    assert response.json()["country"] == "UA"


def test_it_accepts_a_sip_destination_and_a_separate_default_number(world: World) -> None:
    response = world.owner.client.post(
        "/api/v1/projects",
        json={
            "name": "PBX",
            "site_numbers": ["+1 212 555 0123"],
            "default_number": "+44 20 7946 0958",
            "destination": "sip:reception@pbx.example.com",
        },
    )

    assert response.status_code == 201, response.text
    assert response.json()["default_number"] == "+442079460958"
    assert response.json()["destination"] == "sip:reception@pbx.example.com"


BAD_PROJECTS: list[tuple[dict[str, Any], str, str]] = [
    ({"name": "x", "site_numbers": ["12345"]}, "site_numbers.0", "country code"),
    ({"name": "x", "country": "UA", "site_numbers": ["12345"]}, "site_numbers.0", "not a valid"),
    ({"name": "x", "site_numbers": ["+1 212 555 0123", "call us"]}, "site_numbers.1", "call us"),
    ({"name": "x", "timezone": "Mars/Base"}, "timezone", "IANA"),
    ({"name": "x", "domains": ["https://example.com/"]}, "domains.0", "URL"),
    ({"name": "x", "domains": ["example.com:8080"]}, "domains.0", "port"),
    ({"name": "x", "domains": ["exa mple.com"]}, "domains.0", "host name"),
    ({"name": "x", "country": "Ukraine"}, "country", "two-letter"),
    ({"name": "x", "country": "UK"}, "country", "the United Kingdom's code is GB"),
    ({"name": "x", "site_numbers": ["my phone"]}, "site_numbers.0", "'my phone' is not a phone"),
    ({"name": "x", "destination": "sip:nobody"}, "destination", "SIP URI"),
    ({"name": "x", "default_number": "555"}, "default_number", "'555' is not a valid"),
    ({"name": "x", "default_number": "555 0123"}, "default_number", "country code"),
    ({"name": "x", "hold_seconds": 5}, "hold_seconds", "greater than or equal to 30"),
    ({"name": "x", "on_pool_exhausted": "random"}, "on_pool_exhausted", "reuse_oldest"),
    ({"name": ""}, "name", "at least 1 character"),
    ({"site_numbers": []}, "name", "required"),
    ({"name": "x", "nmae": "typo"}, "nmae", "unknown field"),
    ({"name": "x", "consent": "optional"}, "consent", "'not_required', 'required' or 'cookieless'"),
]


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(("body", "field", "words"), BAD_PROJECTS)
def test_it_rejects_a_bad_project_naming_the_field(
    world: World, database: Database, body: dict[str, Any], field: str, words: str
) -> None:
    before = project_count(database)

    response = world.owner.client.post("/api/v1/projects", json=body)

    assert response.status_code == 422, response.text
    problems = {problem["field"]: problem["message"] for problem in response.json()["fields"]}
    assert field in problems
    assert words in problems[field]
    assert project_count(database) == before


@pytest.mark.storage_agnostic
def test_it_reports_every_bad_field_at_once(world: World) -> None:
    response = world.owner.client.post(
        "/api/v1/projects",
        json={"name": "x", "timezone": "Mars/Base", "site_numbers": ["12345"]},
    )

    fields = [problem["field"] for problem in response.json()["fields"]]
    assert sorted(fields) == ["site_numbers.0", "timezone"]
    assert "timezone: 'Mars/Base'" in response.json()["message"]


@pytest.mark.storage_agnostic
def test_it_answers_malformed_json_with_400(world: World, database: Database) -> None:
    before = project_count(database)

    response = world.owner.client.post(
        "/api/v1/projects",
        content=b'{"name": "x",',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    assert project_count(database) == before


@pytest.mark.storage_agnostic
def test_it_reads_json_sent_with_a_form_content_type(world: World) -> None:
    # What `curl -d '{...}'` sends.
    response = world.owner.client.post(
        "/api/v1/projects",
        content=b'{"name": "curl"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 201
    assert response.json()["name"] == "curl"


@pytest.mark.storage_agnostic
def test_it_refuses_a_body_over_one_megabyte(world: World) -> None:
    response = world.owner.client.post(
        "/api/v1/projects", content=b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    )

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


def test_it_lists_only_the_callers_projects(world: World) -> None:
    def names(person_client: Any) -> list[str]:
        return [item["name"] for item in person_client.get("/api/v1/projects").json()["items"]]

    assert names(world.owner.client) == ["Acme"]
    assert names(world.member.client) == ["Acme"]
    assert names(world.outsider.client) == ["Other"]
    assert names(world.superuser.client) == ["Acme", "Other"]


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_another_accounts_project_is_not_found(world: World, method: str) -> None:
    url = f"/api/v1/projects/{world.other_project_id}"
    body = {"name": "stolen"} if method == "PATCH" else None

    response = world.owner.client.request(method, url, json=body)

    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": f"project {world.other_project_id} not found",
    }


@pytest.mark.storage_agnostic
def test_a_missing_project_looks_the_same_as_anothers(world: World) -> None:
    response = world.owner.client.get("/api/v1/projects/999999")
    assert response.status_code == 404
    assert response.json()["message"] == "project 999999 not found"


def test_an_owner_changes_only_the_fields_sent(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(url, json={"site_numbers": ["+1 212 555 0123"]})

    response = world.owner.client.patch(url, json={"timezone": "America/New_York"})

    assert response.status_code == 200
    assert response.json()["timezone"] == "America/New_York"
    assert response.json()["site_numbers"] == ["+12125550123"]
    assert response.json()["name"] == "Acme"


def test_null_puts_a_setting_back_to_its_default(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(url, json={"hold_seconds": 600, "timezone": "Europe/Kyiv"})

    response = world.owner.client.patch(url, json={"hold_seconds": None, "timezone": None})

    assert response.json()["hold_seconds"] == 300
    assert response.json()["timezone"] == "UTC"


@pytest.mark.parametrize("mode", ["required", "cookieless"])
def test_an_owner_makes_the_script_wait_for_consent(world: World, mode: str) -> None:
    url = f"/api/v1/projects/{world.project_id}"

    response = world.owner.client.patch(url, json={"consent": mode})

    assert response.status_code == 200, response.text
    assert world.owner.client.get(url).json()["consent"] == mode
    assert world.owner.client.patch(url, json={"consent": None}).json()["consent"] == (
        "not_required"
    )


@pytest.mark.storage_agnostic
def test_a_project_cannot_lose_its_name(world: World) -> None:
    response = world.owner.client.patch(f"/api/v1/projects/{world.project_id}", json={"name": None})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "name"


def test_a_bad_update_changes_nothing(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}"

    response = world.owner.client.patch(url, json={"name": "Renamed", "timezone": "Nowhere"})

    assert response.status_code == 422
    assert world.owner.client.get(url).json()["name"] == "Acme"


@pytest.mark.storage_agnostic
def test_a_member_may_read_but_not_change_or_delete_the_project(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    assert world.member.client.get(url).json()["role"] == "member"

    changed = world.member.client.patch(url, json={"name": "Mine"})
    deleted = world.member.client.delete(url)

    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert "owners" in changed.json()["message"]
    assert world.owner.client.get(url).json()["name"] == "Acme"


def test_an_owner_deletes_a_project_with_its_entities(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    world.owner.client.post(
        url + "/tracking-entities",
        json={"name": "visit_id", "type": "expression", "value": "r7k12_si"},
    )

    assert world.owner.client.delete(url).status_code == 204

    assert world.owner.client.get(url).status_code == 404
    assert world.member.client.get(url + "/tracking-entities").status_code == 404


def test_a_superuser_sees_and_changes_any_project(world: World) -> None:
    url = f"/api/v1/projects/{world.other_project_id}"

    response = world.superuser.client.patch(url, json={"name": "Audited"})

    assert response.status_code == 200
    assert response.json()["role"] is None
    assert world.outsider.client.get(url).json()["name"] == "Audited"


@pytest.mark.parametrize("off", [False, None])
def test_raw_js_cannot_be_turned_off_while_an_entity_uses_it(
    world: World, off: bool | None
) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(url, json={"allow_raw_js": True})
    created = world.owner.client.post(
        url + "/tracking-entities",
        json={"name": "cart", "type": "expression", "value": "js:window.cart.id"},
    )
    assert created.status_code == 201, created.text

    response = world.owner.client.patch(url, json={"allow_raw_js": off})

    assert response.status_code == 409
    assert response.json()["fields"][0]["field"] == "allow_raw_js"
    assert "cart" in response.json()["message"]
    assert world.owner.client.get(url).json()["allow_raw_js"] is True


def test_a_superuser_who_joined_as_member_keeps_owner_rights(world: World) -> None:
    world.owner.client.post(
        f"/api/v1/projects/{world.project_id}/members",
        json={"email": "superuser@example.com", "role": "member"},
    )

    response = world.superuser.client.patch(
        f"/api/v1/projects/{world.project_id}", json={"name": "Renamed by the admin"}
    )

    assert response.status_code == 200
    assert response.json()["role"] == "member"


def test_a_huge_id_is_a_clear_4xx(world: World) -> None:
    response = world.owner.client.get("/api/v1/projects/99999999999999999999")
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "project_id"


@pytest.mark.storage_agnostic
def test_a_too_long_sip_destination_is_refused(world: World) -> None:
    response = world.owner.client.post(
        "/api/v1/projects",
        json={"name": "x", "destination": "sip:" + "a" * 300 + "@pbx.example.com"},
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "destination"
