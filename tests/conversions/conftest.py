"""Calls written straight to the database around the server's real clock (the files hold the
last 90 days as of now), and the ads conversions API."""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World

DOCUMENTED_COLUMNS = [
    "Conversion Name",
    "Conversion Time",
    "Conversion Value",
    "Conversion Currency",
]


@pytest.fixture
def rows(world: World, database: Database) -> CallRows:
    return CallRows(database, world.project_id)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def define(world: World, **fields: Any) -> dict[str, Any]:
    body = {"name": "Phone call", **fields}
    response = world.owner.client.post(
        f"/api/v1/projects/{world.project_id}/ads-conversions", json=body
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def issue(world: World, project_id: int | None = None, by: httpx.Client | None = None) -> Any:
    client = by or world.owner.client
    response = client.post(
        f"/api/v1/projects/{project_id or world.project_id}/ads-conversions/credentials"
    )
    assert response.status_code == 201, response.text
    return response.json()


def basic(username: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def fetch(world: World, file: str, credentials: dict[str, str]) -> httpx.Response:
    """As an ad network's scheduled fetch: no API token, only basic auth."""
    return world.anonymous.get(
        f"/conversions/{world.project_id}/{file}",
        headers=basic(credentials["username"], credentials["password"]),
    )


def parsed(text: str, click_column: str) -> list[dict[str, str]]:
    """The file read as the networks document it: the time zone line, then a CSV table whose
    header is the documented one."""
    first, _, table = text.partition("\r\n")
    assert first == "Parameters:TimeZone=+0000"
    reader = csv.DictReader(io.StringIO(table, newline=""))
    assert reader.fieldnames == [click_column, *DOCUMENTED_COLUMNS]
    return list(reader)
