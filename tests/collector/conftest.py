from __future__ import annotations

import pytest

from tests.support.collector import Visit, public_key
from tests.support.databases import Database
from tests.support.people import World

SEED = {"name": "visit_id", "type": "expression", "scope": "session", "value": "r7k12_si"}


@pytest.fixture
def visit(world: World, database: Database) -> Visit:
    """A visit to project "Acme", which tracks visit_id (session scope, keep last)."""
    url = f"/api/v1/projects/{world.project_id}/tracking-entities"
    assert world.owner.client.post(url, json=SEED).status_code == 201
    return Visit(world.base_url, public_key(database, world.project_id))
