"""The ``hooks`` fixture: a receiver, an injected clock, and the world's project."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.people import World
from tests.support.receiver import receiving


@pytest.fixture
def hooks(world: World, database: Database) -> Iterator[Hooks]:
    with receiving() as receiver:
        yield Hooks(database, world, receiver, Clock(datetime.now(UTC)))
