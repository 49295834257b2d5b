"""Entity health tells the truth: how many of the project's last 50 page views had a value,
and an expression that never resolves shows its "still undefined" errors (docs/design.md §2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from dialtrail.entities.models import TrackingEntity
from dialtrail.sessions.models import PageView
from tests.support.collector import Visit, public_key
from tests.support.databases import Database
from tests.support.people import World, declare_entity

HOME = "https://shop.example.com/"
ENTITIES = "/api/v1/projects/{}/tracking-entities"


def visit_to(world: World, database: Database, project_id: int | None = None) -> Visit:
    return Visit(world.base_url, public_key(database, project_id or world.project_id))


def health(world: World, name: str) -> dict[str, Any]:
    items = world.owner.client.get(ENTITIES.format(world.project_id)).json()["items"]
    found: dict[str, Any] = next(item["health"] for item in items if item["name"] == name)
    return found


def share(world: World, name: str) -> tuple[int, int]:
    found = health(world, name)
    return found["recent_with_value"], found["recent_page_views"]


def test_it_counts_the_recent_page_views_that_had_a_value(world: World, database: Database) -> None:
    declare_entity(world, name="visit_id", value="r7k12_si")
    declare_entity(world, name="product", value='text("h1")', scope="page_view")
    visit = visit_to(world, database)

    visit.page(HOME, {"visit_id": None, "product": "sofa"})
    visit.ping({"visit_id": "v-1"})  # set late on the same page: that page had a value
    visit.page(HOME + "b", {"visit_id": "v-1", "product": None})
    visit.page(
        HOME + "c", {"visit_id": None, "product": ""}
    )  # the session keeps v-1; the page had none

    assert share(world, "visit_id") == (2, 3)
    assert share(world, "product") == (1, 3)


def test_it_counts_only_the_projects_last_50_page_views(world: World, database: Database) -> None:
    declare_entity(world, name="visit_id", value="r7k12_si")
    visit = visit_to(world, database)
    for number in range(55):
        visit.page(f"{HOME}{number}", {"visit_id": "v-1" if number < 10 else None})
    visit_to(world, database, world.other_project_id).page("https://other.example.com/", {})

    assert share(world, "visit_id") == (5, 50)  # pages 5 to 54; the other project's is not one


def test_page_views_from_before_the_entity_was_declared_do_not_count(
    world: World, database: Database
) -> None:
    entity = declare_entity(world, name="visit_id", value="r7k12_si")
    visit = visit_to(world, database)
    visit.page(HOME, {})
    visit.page(HOME + "b", {"visit_id": "v-1"})
    with database.session() as db:
        first, second = db.scalars(select(PageView.viewed_at).order_by(PageView.id)).all()
        assert first < second
        declared = first + (second - first) / 2
        db.execute(
            update(TrackingEntity)
            .where(TrackingEntity.id == entity["id"])
            .values(created_at=declared)
        )
        db.commit()

    assert share(world, "visit_id") == (1, 1)


def test_one_entity_and_the_list_agree(world: World, database: Database) -> None:
    entity = declare_entity(world, name="visit_id", value="r7k12_si")
    visit_to(world, database).page(HOME, {"visit_id": "v-1"})

    url = ENTITIES.format(world.project_id) + f"/{entity['id']}"
    shown = world.owner.client.get(url).json()["health"]

    assert shown == health(world, "visit_id")
    assert (shown["recent_with_value"], shown["recent_page_views"]) == (1, 1)


def report_still_undefined(visit: Visit) -> None:
    """What the script sends when an expression is still undefined after load +
    simple_retry_ms (tracker/static/dialtrail.js)."""
    error = {
        "entity": "shop_visit",
        "kind": "undefined",
        "message": "still undefined 5 s after load",
    }
    assert visit.errors([error], url=HOME + "contacts").status_code == 204


def test_an_expression_that_never_resolves_shows_in_its_health(
    world: World, database: Database
) -> None:
    declare_entity(world, name="shop_visit", value="shop.visit.id")
    visit = visit_to(world, database)
    visit.page(HOME + "contacts", {"shop_visit": None})

    report_still_undefined(visit)

    shown = health(world, "shop_visit")
    assert (shown["last_value"], shown["error_count"]) == (None, 1)
    assert shown["last_error"]["kind"] == "undefined"
    assert shown["last_error"]["message"] == "still undefined 5 s after load"
    assert shown["last_error"]["page_url"] == HOME + "contacts"
    assert (shown["recent_with_value"], shown["recent_page_views"]) == (0, 1)
