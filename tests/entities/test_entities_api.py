"""/api/v1/projects/{id}/tracking-entities: the rules of docs/design.md §2 enforced at the door."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from dialtrail.entities.models import TrackingEntity
from tests.support.databases import Database
from tests.support.people import World

SEED = {"name": "visit_id", "type": "expression", "scope": "session", "value": "r7k12_si"}


def entities_url(world: World, project_id: int | None = None) -> str:
    return f"/api/v1/projects/{project_id or world.project_id}/tracking-entities"


def entity_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(TrackingEntity)) or 0


def test_it_creates_and_lists_the_seed_entity(world: World) -> None:
    response = world.owner.client.post(entities_url(world), json=SEED)

    assert response.status_code == 201, response.text
    entity = response.json()
    assert {key: entity[key] for key in SEED} == SEED
    assert entity["keep"] == "last"
    assert entity["enabled"] is True
    assert entity["description"] == ""
    assert entity["project_id"] == world.project_id
    listed = world.member.client.get(entities_url(world)).json()
    assert listed["items"] == [entity]
    assert listed["limit"] == 50


def test_a_member_may_manage_entities(world: World) -> None:
    created = world.member.client.post(entities_url(world), json=SEED)
    url = f"{entities_url(world)}/{created.json()['id']}"

    changed = world.member.client.patch(url, json={"description": "visit id for the CRM"})
    deleted = world.member.client.delete(url)

    assert (created.status_code, changed.status_code, deleted.status_code) == (201, 200, 204)
    assert world.member.client.get(url).status_code == 404


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    "value", ["r7k12_si", "shop.visit.id", "dataLayer[0].userId", 'app["visit-id"]']
)
def test_a_simple_entity_takes_a_global_path(world: World, value: str) -> None:
    body = {"name": "v", "type": "simple", "value": value}
    response = world.owner.client.post(entities_url(world), json=body)
    assert response.status_code == 201, response.text
    assert response.json()["value"] == value


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    "value",
    [
        'cookie("_ym_uid") || query("visit")',
        'match(text("#order .id"), "(\\\\d+)")',
        'attr("meta[name=visit]", "content")',
        'datalayer("userId") || storage("uid") || session_storage("uid") || meta("visit")',
    ],
)
def test_an_expression_entity_takes_the_expression_language(world: World, value: str) -> None:
    body = {"name": "v", "type": "expression", "value": value}
    response = world.owner.client.post(entities_url(world), json=body)
    assert response.status_code == 201, response.text


def test_it_stores_the_value_without_surrounding_whitespace(world: World) -> None:
    body = {**SEED, "value": "  r7k12_si \n"}
    assert world.owner.client.post(entities_url(world), json=body).json()["value"] == "r7k12_si"


BAD_ENTITIES: list[tuple[dict[str, Any], int, str, str, int | None]] = [
    ({**SEED, "name": "1abc"}, 422, "name", "starts with a digit", None),
    ({**SEED, "name": "r7k12 si"}, 422, "name", "' ' at position 5", None),
    ({**SEED, "name": "a" * 65}, 422, "name", "at most 64 characters", None),
    ({**SEED, "name": "visit-id"}, 422, "name", "'-' at position 5", None),
    ({**SEED, "name": "визит"}, 422, "name", "Latin letters", None),
    ({**SEED, "type": "Simple"}, 422, "type", "'simple' or 'expression'", None),
    ({**SEED, "type": "regex"}, 422, "type", "'simple' or 'expression'", None),
    ({**SEED, "scope": "pageview"}, 422, "scope", "'session' or 'page_view'", None),
    ({**SEED, "keep": "newest"}, 422, "keep", "'last' or 'first'", None),
    ({**SEED, "value": ""}, 422, "value", "empty", 0),
    ({**SEED, "value": "   "}, 422, "value", "empty", 0),
    ({**SEED, "value": "cookie("}, 422, "value", "", 7),
    ({**SEED, "value": "foo..bar"}, 422, "value", "expected a name", 4),
    ({**SEED, "value": 'match(x, "(")'}, 422, "value", "", 9),
    ({**SEED, "value": "text()"}, 422, "value", "text", 4),
    ({**SEED, "value": "js:alert(1)"}, 422, "value", "allow_raw_js", 0),
    ({**SEED, "type": "simple", "value": 'cookie("a")'}, 422, "value", "Expression", None),
    ({**SEED, "value": "x" * 2001}, 422, "value", "2000", 2000),
    ({**SEED, "scope": "page_view", "keep": "first"}, 422, "keep", "session scope", None),
    ({**SEED, "enabled": "sometimes"}, 422, "enabled", "boolean", None),
    ({**SEED, "colour": "red"}, 422, "colour", "unknown field", None),
    ({"type": "expression", "value": "x"}, 422, "name", "required", None),
]


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(("body", "status", "field", "words", "position"), BAD_ENTITIES)
def test_it_rejects_a_bad_entity_and_stores_nothing(
    world: World,
    database: Database,
    body: dict[str, Any],
    status: int,
    field: str,
    words: str,
    position: int | None,
) -> None:
    response = world.owner.client.post(entities_url(world), json=body)

    assert response.status_code == status, response.text
    problems = {problem["field"]: problem for problem in response.json()["fields"]}
    assert field in problems, problems
    assert words in problems[field]["message"]
    if position is not None:
        assert problems[field]["position"] == position
    assert entity_count(database) == 0


def test_the_error_message_points_at_the_problem(world: World) -> None:
    response = world.owner.client.post(entities_url(world), json={**SEED, "value": "foo..bar"})

    body = response.json()
    assert body["error"] == "validation_failed"
    assert body["message"].startswith("value: ")
    assert body["message"].endswith("at position 4")


def test_raw_js_is_accepted_once_the_project_allows_it(world: World) -> None:
    project_url = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(project_url, json={"allow_raw_js": True})

    response = world.owner.client.post(
        entities_url(world), json={**SEED, "value": "js:window.r7k12_si.toUpperCase()"}
    )

    assert response.status_code == 201, response.text


def test_a_duplicate_name_is_a_conflict(world: World, database: Database) -> None:
    world.owner.client.post(entities_url(world), json=SEED)

    for name in ("visit_id", "Visit_ID"):
        response = world.owner.client.post(entities_url(world), json={**SEED, "name": name})
        assert response.status_code == 409
        assert response.json()["fields"][0]["field"] == "name"
        assert "'visit_id'" in response.json()["message"]
    assert entity_count(database) == 1


def test_the_same_name_may_live_in_two_projects(world: World) -> None:
    mine = world.owner.client.post(entities_url(world), json=SEED)
    theirs = world.outsider.client.post(entities_url(world, world.other_project_id), json=SEED)
    assert (mine.status_code, theirs.status_code) == (201, 201)


def test_a_project_holds_at_most_fifty_entities(world: World, database: Database) -> None:
    for number in range(50):
        body = {**SEED, "name": f"entity_{number}"}
        assert world.owner.client.post(entities_url(world), json=body).status_code == 201

    response = world.owner.client.post(entities_url(world), json={**SEED, "name": "one_more"})

    assert response.status_code == 409
    assert response.json()["error"] == "limit_reached"
    assert "50" in response.json()["message"]
    assert entity_count(database) == 50


def test_a_page_view_entity_has_no_keep(world: World) -> None:
    body = {**SEED, "scope": "page_view"}
    response = world.owner.client.post(entities_url(world), json=body)
    assert response.status_code == 201
    assert response.json()["keep"] is None


def test_keep_first_is_stored_for_session_scope(world: World) -> None:
    response = world.owner.client.post(entities_url(world), json={**SEED, "keep": "first"})
    assert response.json()["keep"] == "first"


def test_an_update_is_checked_against_the_whole_entity(world: World) -> None:
    body = {**SEED, "value": 'cookie("visit")'}
    created = world.owner.client.post(entities_url(world), json=body).json()
    url = f"{entities_url(world)}/{created['id']}"

    response = world.owner.client.patch(url, json={"type": "simple"})

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "value"
    assert world.owner.client.get(url).json()["type"] == "expression"


def test_an_update_changes_only_what_is_sent(world: World) -> None:
    created = world.owner.client.post(entities_url(world), json=SEED).json()
    url = f"{entities_url(world)}/{created['id']}"

    response = world.owner.client.patch(
        url, json={"value": "shop.visit.id", "enabled": False, "keep": "first"}
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["value"], updated["enabled"], updated["keep"]) == (
        "shop.visit.id",
        False,
        "first",
    )
    assert (updated["name"], updated["type"], updated["scope"]) == (
        "visit_id",
        "expression",
        "session",
    )


def test_renaming_onto_another_entity_is_a_conflict(world: World) -> None:
    world.owner.client.post(entities_url(world), json=SEED)
    other = world.owner.client.post(entities_url(world), json={**SEED, "name": "ga"}).json()

    response = world.owner.client.patch(
        f"{entities_url(world)}/{other['id']}", json={"name": "VISIT_id"}
    )

    assert response.status_code == 409


def test_an_entity_may_change_the_case_of_its_own_name(world: World) -> None:
    created = world.owner.client.post(entities_url(world), json=SEED).json()
    response = world.owner.client.patch(
        f"{entities_url(world)}/{created['id']}", json={"name": "Visit_Id"}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Visit_Id"


def test_switching_to_page_view_scope_drops_keep_first(world: World) -> None:
    created = world.owner.client.post(entities_url(world), json={**SEED, "keep": "first"})
    url = f"{entities_url(world)}/{created.json()['id']}"

    response = world.owner.client.patch(url, json={"scope": "page_view"})

    assert response.json()["keep"] is None
    back = world.owner.client.patch(url, json={"scope": "session"})
    assert back.json()["keep"] == "last"


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_accounts_entities_are_not_found(world: World, method: str) -> None:
    url = entities_url(world, world.other_project_id)

    response = world.owner.client.request(method, url, json=SEED if method == "POST" else None)

    assert response.status_code == 404
    assert world.outsider.client.get(url).json()["items"] == []


def test_an_entity_of_another_project_is_not_found_through_mine(world: World) -> None:
    theirs = world.outsider.client.post(entities_url(world, world.other_project_id), json=SEED)
    url = f"{entities_url(world)}/{theirs.json()['id']}"

    for method in ("GET", "PATCH", "DELETE"):
        body = {"enabled": False} if method == "PATCH" else None
        response = world.owner.client.request(method, url, json=body)
        assert response.status_code == 404, method


def test_entities_require_a_token(world: World) -> None:
    assert world.anonymous.get(entities_url(world)).status_code == 401
    assert world.anonymous.post(entities_url(world), json=SEED).status_code == 401


def test_null_puts_optional_fields_back_to_their_defaults(world: World) -> None:
    body = {**SEED, "keep": "first", "enabled": False, "description": "old"}
    created = world.owner.client.post(entities_url(world), json=body).json()
    url = f"{entities_url(world)}/{created['id']}"

    response = world.owner.client.patch(
        url, json={"keep": None, "enabled": None, "description": None}
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["keep"], updated["enabled"], updated["description"]) == ("last", True, "")


@pytest.mark.storage_agnostic
@pytest.mark.parametrize("field", ["name", "type", "value"])
def test_a_required_field_cannot_be_null(world: World, field: str) -> None:
    created = world.owner.client.post(entities_url(world), json=SEED).json()
    url = f"{entities_url(world)}/{created['id']}"

    response = world.owner.client.patch(url, json={field: None})

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == field
    assert world.owner.client.get(url).json()[field] == SEED[field]


def test_a_deleted_entitys_id_is_never_reused(world: World) -> None:
    first = world.owner.client.post(entities_url(world), json=SEED).json()
    world.owner.client.delete(f"{entities_url(world)}/{first['id']}")

    second = world.owner.client.post(entities_url(world), json=SEED).json()

    assert second["id"] > first["id"]
    assert world.owner.client.get(f"{entities_url(world)}/{first['id']}").status_code == 404


def test_a_nul_character_is_refused_not_stored(world: World, database: Database) -> None:
    response = world.owner.client.post(entities_url(world), json={**SEED, "description": "a\x00b"})

    assert response.status_code == 422
    assert "NUL" in response.json()["message"]
    assert entity_count(database) == 0


def test_a_browser_only_regex_construct_is_refused(world: World) -> None:
    body = {**SEED, "value": 'match(r7k12_si, "(?i)abc")'}

    response = world.owner.client.post(entities_url(world), json=body)

    assert response.status_code == 422
    assert "inline flags" in response.json()["fields"][0]["message"]
    assert response.json()["fields"][0]["position"] == 16
