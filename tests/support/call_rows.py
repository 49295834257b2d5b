"""Rows for reading tests: visitors, sessions, page views, observations, calls and their events
written straight to the database, with times chosen by the test (no ingest, no clock)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dialtrail.calls.models import Call, CallEvent
from dialtrail.entities.models import TrackingEntity
from dialtrail.sessions.models import EntityObservation, PageView, Visitor, WebSession
from tests.support.databases import Database

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TRACKING_NUMBER = "+442079460958"
CALLER = "+442079460001"


@dataclass(frozen=True)
class SessionRow:
    id: int
    key: str
    visitor_id: int
    visitor_key: str


@dataclass
class CallRows:
    database: Database
    project_id: int

    def add(self, row: Any) -> int:
        with self.database.session() as session:
            session.add(row)
            session.commit()
            identifier: int = row.id
        return identifier

    def session(
        self, started_at: datetime = NOW - timedelta(minutes=10), **fields: Any
    ) -> SessionRow:
        visitor_key = secrets.token_urlsafe(16)
        visitor_id = self.add(
            Visitor(
                project_id=self.project_id,
                key=visitor_key,
                first_seen_at=started_at,
                last_seen_at=fields.get("last_activity_at", started_at),
            )
        )
        key = secrets.token_urlsafe(16)
        session_id = self.add(
            WebSession(
                **{
                    "project_id": self.project_id,
                    "visitor_id": visitor_id,
                    "key": key,
                    "started_at": started_at,
                    "last_activity_at": started_at,
                    **fields,
                }
            )
        )
        return SessionRow(session_id, key, visitor_id, visitor_key)

    def page_view(self, session: SessionRow, url: str, at: datetime) -> int:
        view = PageView(
            session_id=session.id,
            key=secrets.token_urlsafe(16),
            url=url,
            title="A page",
            viewed_at=at,
        )
        return self.add(view)

    def entity(self, name: str, scope: str = "session") -> int:
        return self.add(
            TrackingEntity(
                project_id=self.project_id, name=name, type="simple", scope=scope, value=name
            )
        )

    def observe(
        self,
        session: SessionRow,
        entity_id: int,
        value: str,
        at: datetime,
        page_view_id: int | None = None,
    ) -> int:
        observation = EntityObservation(
            session_id=session.id,
            page_view_id=page_view_id,
            entity_id=entity_id,
            value=value,
            observed_at=at,
        )
        return self.add(observation)

    def call(
        self, started_at: datetime = NOW, session: SessionRow | None = None, **fields: Any
    ) -> int:
        return self.add(self.call_row(started_at, session, **fields))

    def call_row(
        self, started_at: datetime = NOW, session: SessionRow | None = None, **fields: Any
    ) -> Call:
        attributed: dict[str, Any] = {}
        if session is not None:
            attributed = {
                "session_id": session.id,
                "visitor_id": session.visitor_id,
                "attribution": "session",
                "insertion_type": "dynamic",
            }
        defaults = {
            "project_id": self.project_id,
            "provider": "api",
            "external_id": secrets.token_hex(8),
            "caller": CALLER,
            "tracking_number": TRACKING_NUMBER,
            "started_at": started_at,
            "attribution": "none",
            "insertion_type": "none",
        }
        return Call(**{**defaults, **attributed, **fields})

    def add_many(self, rows: list[Any]) -> None:
        with self.database.session() as session:
            session.add_all(rows)
            session.commit()

    def event(self, call_id: int, event: str, at: datetime, note: str | None = None) -> int:
        payload = {"note": note} if note else {}
        return self.add(
            CallEvent(
                call_id=call_id,
                event=event,
                at=at,
                received_at=at + timedelta(seconds=1),
                payload=payload,
            )
        )


def entity_snapshot(value: str | None, observed_at: datetime = NOW) -> dict[str, Any]:
    """One entity as a call stores it (docs/design.md §2)."""
    return {
        "value": value,
        "observed_at": observed_at.isoformat(),
        "page_url": "https://shop.example.com/",
    }
