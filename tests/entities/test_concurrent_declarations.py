"""Limits and uniqueness hold under concurrent requests (a locked project row, not luck)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from dialtrail.entities.models import TrackingEntity
from tests.support.databases import Database
from tests.support.people import World


def post_concurrently(world: World, names: list[str]) -> list[int]:
    url = f"/api/v1/projects/{world.project_id}/tracking-entities"

    def post(name: str) -> int:
        body = {"name": name, "type": "expression", "value": "r7k12_si"}
        return world.owner.client.post(url, json=body).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(post, names))


def stored_names(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(TrackingEntity.name)))


def test_concurrent_creates_never_pass_the_limit(world: World, database: Database) -> None:
    statuses = post_concurrently(world, [f"entity_{number}" for number in range(60)])

    assert statuses.count(201) == 50
    assert statuses.count(409) == 10
    assert len(stored_names(database)) == 50


def test_concurrent_creates_of_one_name_store_it_once(world: World, database: Database) -> None:
    statuses = post_concurrently(world, ["visit_id", "VISIT_ID", "Visit_Id"] * 4)

    assert statuses.count(201) == 1
    assert statuses.count(409) == 11
    with database.session() as session:
        count = session.scalar(select(func.count()).select_from(TrackingEntity))
    assert count == 1
