"""A scene for call tests: numbers, visits, page views, entity values and leases written
straight into the database at chosen times, and telephony events sent to the real server."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from dialtrail.calls.models import Call, CallEvent
from dialtrail.entities.models import TrackingEntity
from dialtrail.numbers.models import NumberLease, TrackingNumber
from dialtrail.sessions.models import EntityObservation, PageView, Visitor, WebSession
from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World

T = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # when the calls of these tests start
POOL_NUMBER = "+380441112233"
CALLER = "+380671234567"


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)


@dataclass
class Scene:
    database: Database
    world: World

    def add(self, row: Any) -> int:
        with self.database.session() as session:
            session.add(row)
            session.commit()
            identifier: int = row.id
        return identifier

    def number(self, number: str = POOL_NUMBER, kind: str = "pool", **fields: Any) -> int:
        return self.add(
            TrackingNumber(project_id=self.world.project_id, number=number, kind=kind, **fields)
        )

    def visit(self, started: float = -20, **fields: Any) -> tuple[int, str]:
        """A session that started at T+started minutes: its id and its client key."""
        project_id = self.world.project_id
        visitor = self.add(
            Visitor(
                project_id=project_id, key=secrets.token_hex(8), first_seen_at=T, last_seen_at=T
            )
        )
        key = secrets.token_hex(8)
        session_id = self.add(
            WebSession(
                project_id=project_id,
                visitor_id=visitor,
                key=key,
                started_at=T + minutes(started),
                last_activity_at=T,
                **fields,
            )
        )
        return session_id, key

    def page(self, session_id: int, url: str, at: float) -> int:
        return self.add(
            PageView(
                session_id=session_id, key=secrets.token_hex(8), url=url, viewed_at=T + minutes(at)
            )
        )

    def observe(
        self, session_id: int, entity: str, value: str | None, at: float, page: int | None = None
    ) -> None:
        with self.database.session() as session:
            entity_id = session.scalar(
                select(TrackingEntity.id).where(
                    TrackingEntity.project_id == self.world.project_id,
                    TrackingEntity.name == entity,
                )
            )
        self.add(
            EntityObservation(
                session_id=session_id,
                page_view_id=page,
                entity_id=entity_id,
                value=value,
                observed_at=T + minutes(at),
            )
        )

    def lease(
        self,
        number_id: int,
        session_id: int,
        start: float,
        expires: float,
        *,
        renewed: float | None = None,
        released: float | None = None,
        shared: bool = False,
    ) -> int:
        return self.add(
            NumberLease(
                project_id=self.world.project_id,
                number_id=number_id,
                session_id=session_id,
                shared=shared,
                started_at=T + minutes(start),
                renewed_at=T + minutes(renewed if renewed is not None else start),
                expires_at=T + minutes(expires),
                released_at=T + minutes(released) if released is not None else None,
            )
        )

    def report(self, by: httpx.Client | None = None, **fields: Any) -> httpx.Response:
        body = {
            "project_id": self.world.project_id,
            "call_id": "CA1",
            "event": "started",
            "caller": CALLER,
            "called": POOL_NUMBER,
            "at": T.isoformat(),
            **fields,
        }
        client = by or self.world.owner.client
        return client.post("/api/v1/telephony/events", json=body)

    def calls(self) -> list[Call]:
        with self.database.session() as session:
            return list(session.scalars(select(Call).order_by(Call.id)))

    def call(self, call_id: int) -> Call:
        with self.database.session() as session:
            call = session.get(Call, call_id)
        assert call is not None
        return call

    def events(self) -> list[tuple[int, str]]:
        with self.database.session() as session:
            query = select(CallEvent.call_id, CallEvent.event).order_by(CallEvent.id)
            return [(call_id, event) for call_id, event in session.execute(query)]


@pytest.fixture
def scene(world: World, database: Database) -> Scene:
    return Scene(database, world)


def at(offset_minutes: float) -> str:
    return (T + minutes(offset_minutes)).isoformat()


@pytest.fixture
def rows(world: World, database: Database) -> CallRows:
    """Rows in project "Acme" (owner, member; the outsider owns "Other")."""
    return CallRows(database, world.project_id)
