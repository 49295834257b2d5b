"""Rows for report tests, in project "Acme", whose time zone a test may change."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dialtrail.projects.models import Project
from tests.collector.conftest import visit
from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World

__all__ = ["visit"]


@pytest.fixture
def rows(world: World, database: Database) -> CallRows:
    return CallRows(database, world.project_id)


def set_timezone(database: Database, project_id: int, timezone: str) -> None:
    with database.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        project.timezone = timezone
        session.commit()


def report(client: httpx.Client, project_id: int, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/projects/{project_id}/reports/calls", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_key(body: dict[str, Any], part: str = "figures") -> dict[str | None, dict[str, Any]]:
    return {group["key"]: group[part] for group in body["groups"]}
