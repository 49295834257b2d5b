from __future__ import annotations

import pytest

from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World


@pytest.fixture
def rows(world: World, database: Database) -> CallRows:
    """Rows in project "Acme" (owner, member; the outsider owns "Other")."""
    return CallRows(database, world.project_id)
