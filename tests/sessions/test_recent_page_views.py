"""The project's latest page views for entity health: bounded index reads that still find a
quiet project's page views behind a busy project's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialtrail.sessions import queries
from dialtrail.sessions.models import PageView, WebSession
from tests.support.collector import Visit, public_key
from tests.support.databases import Database
from tests.support.people import World


def visits(world: World, database: Database) -> tuple[Visit, Visit]:
    return (
        Visit(world.base_url, public_key(database, world.project_id)),
        Visit(world.base_url, public_key(database, world.other_project_id)),
    )


def page_view_ids(database: Database, project_id: int) -> list[int]:
    with database.session() as db:
        query = (
            select(PageView.id)
            .join(WebSession, WebSession.id == PageView.session_id)
            .where(WebSession.project_id == project_id)
            .order_by(PageView.id.desc())
        )
        return list(db.scalars(query))


def latest(database: Database, project_id: int, limit: int) -> list[int]:
    with database.session() as db:
        return list(queries.latest_page_views(db, project_id, limit))


def test_a_quiet_projects_page_views_are_found_behind_a_busy_ones(
    world: World, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "NEWEST_SCANNED", 3)
    quiet, busy = visits(world, database)
    for number in range(3):
        Visit(quiet.base_url, quiet.key).page(f"https://shop.example.com/{number}")
    for number in range(4):
        busy.page(f"https://other.example.com/{number}")

    assert latest(database, world.project_id, 50) == page_view_ids(database, world.project_id)
    assert latest(database, world.project_id, 2) == page_view_ids(database, world.project_id)[:2]


def test_a_busy_projects_latest_are_its_newest_page_views(
    world: World, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "NEWEST_SCANNED", 4)
    busy, quiet = visits(world, database)
    for number in range(6):
        busy.page(f"https://shop.example.com/{number}")
    quiet.page("https://other.example.com/")

    assert latest(database, world.project_id, 3) == page_view_ids(database, world.project_id)[:3]
