"""docs/design.md §2 semantics on the server: session scope keeps the last (or first) non-empty
value,
empties never erase; page-view scope keeps a value per page view."""

from __future__ import annotations

from typing import Any

from tests.support.collector import Visit
from tests.support.people import World, declare_entity

HOME = "https://shop.example.com/"


def session_of(world: World, visit: Visit) -> dict[str, Any]:
    url = f"/api/v1/projects/{world.project_id}/sessions/{visit.session}"
    body: dict[str, Any] = world.owner.client.get(url).json()
    return body


def test_the_session_keeps_the_last_non_empty_value(world: World, visit: Visit) -> None:
    visit.page(HOME, {"visit_id": None})
    visit.ping({"visit_id": "first"})
    visit.ping({"visit_id": "second"})
    visit.page(HOME + "contacts", {"visit_id": ""})
    visit.ping({"visit_id": None})

    session = session_of(world, visit)

    assert session["entities"] == {"visit_id": "second"}
    assert session["entity_values"]["visit_id"]["page_url"] == HOME
    history = [(item["entity"], item["value"]) for item in session["entity_history"]]
    assert history == [("visit_id", "first"), ("visit_id", "second")]


def test_keep_first_keeps_the_first_non_empty_value(world: World, visit: Visit) -> None:
    declare_entity(world, name="landing_code", keep="first")

    visit.page(HOME, {"landing_code": None})
    visit.ping({"landing_code": "A1"})
    visit.page(HOME + "b", {"landing_code": "B2"})

    assert session_of(world, visit)["entities"]["landing_code"] == "A1"


def test_page_view_scope_keeps_a_value_per_page(world: World, visit: Visit) -> None:
    declare_entity(world, name="product", scope="page_view")

    visit.page(HOME + "sofa", {"product": "sofa"})
    visit.ping({"product": "sofa-blue"})
    visit.page(HOME + "contacts", {"product": None})

    session = session_of(world, visit)
    pages = [(view["url"], view["values"]) for view in session["page_view_list"]]
    assert pages == [
        (HOME + "sofa", {"product": "sofa-blue"}),
        (HOME + "contacts", {"product": None}),
    ]
    assert session["entities"]["product"] is None


def test_values_are_trimmed_and_cut_to_a_thousand_characters(world: World, visit: Visit) -> None:
    visit.page(HOME, {"visit_id": "  " + "x" * 1500 + "  "})

    value = session_of(world, visit)["entity_values"]["visit_id"]

    assert value["value"] == "x" * 1000
    assert value["truncated"] is True


def test_a_value_the_script_flagged_as_cut_stays_flagged(world: World, visit: Visit) -> None:
    visit.page(HOME, {"visit_id": "y" * 1000}, truncated=["visit_id"])
    assert session_of(world, visit)["entity_values"]["visit_id"]["truncated"] is True


def test_unknown_and_disabled_entities_are_ignored(world: World, visit: Visit) -> None:
    declare_entity(world, name="off", enabled=False)

    response = visit.page(HOME, {"visit_id": "v", "off": "x", "never_declared": "y"})

    assert response.status_code == 200
    assert session_of(world, visit)["entities"] == {"visit_id": "v"}


def test_entity_health_shows_the_last_value_seen(world: World, visit: Visit) -> None:
    visit.page(HOME, {"visit_id": "v-1"})
    visit.ping({"visit_id": "v-2"})

    entity = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/tracking-entities"
    ).json()["items"][0]

    assert entity["health"]["last_value"] == "v-2"
    assert entity["health"]["last_seen_at"] is not None
    assert entity["health"]["error_count"] == 0
    assert entity["health"]["last_error"] is None


def test_reported_errors_are_counted_with_the_last_one_kept(world: World, visit: Visit) -> None:
    visit.page(HOME)
    visit.errors([{"entity": "visit_id", "kind": "undefined", "message": "r7k12_si is undefined"}])
    response = visit.errors(
        [{"entity": "visit_id", "kind": "exception", "message": "getter threw"}],
        url=HOME + "checkout",
    )

    assert response.status_code == 204
    health = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/tracking-entities"
    ).json()["items"][0]["health"]
    assert health["error_count"] == 2
    assert health["last_error"]["message"] == "getter threw"
    assert health["last_error"]["kind"] == "exception"
    assert health["last_error"]["page_url"] == HOME + "checkout"


def test_an_error_report_is_not_an_edit_of_the_entity(world: World, visit: Visit) -> None:
    url = f"/api/v1/projects/{world.project_id}/tracking-entities"
    before = world.owner.client.get(url).json()["items"][0]["updated_at"]
    visit.page(HOME)

    visit.errors([{"entity": "visit_id", "kind": "undefined", "message": "undefined"}])

    assert world.owner.client.get(url).json()["items"][0]["updated_at"] == before
