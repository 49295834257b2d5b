"""A project with a pool number, an entity, a JSON webhook, a `query` webhook (its values in the
request URL), a GA4 integration and a receiver that echoes the caller: a subject's visits and
calls made through the real collector and telephony API, and the reports' rollups summed over
them (docs/privacy.md)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, String, Text, cast, func, or_, select

from dialtrail.models import metadata
from tests.support.collector import Visit, public_key
from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.people import World, declare_entity
from tests.support.receiver import Answer, receiving

POOL_NUMBERS = ("+380441112233", "+380441112234")
# Every column that can hold a text: strings of any length and JSON (whose python_type is
# object, so it is named here rather than found by its Python type).
SEARCHED_TYPES = (String, JSON)


@dataclass
class Subject:
    """One person's traces: what an erasure must leave nowhere."""

    visit: Visit
    ga: str
    caller: str
    marker: str  # in the page's URL and in the entity value: nowhere else
    call_id: str  # the telephony's id of the call: not the subject's data

    @property
    def ga_client_id(self) -> str:
        return self.ga.removeprefix("GA1.1.")

    def traces(self) -> list[str]:
        national = "0" + self.caller.removeprefix("+380")
        return [
            self.visit.visitor,
            self.visit.session,
            self.ga_client_id,
            self.caller,
            national,
            self.marker,
        ]


@dataclass
class Site:
    hooks: Hooks
    database: Database
    world: World
    key: str

    def subject(self, caller: str) -> Subject:
        """A visit of two pages with a value (and an error reading it, which the entity keeps
        as its last), then a call from ``caller`` to the number the visit was shown,
        delivered to the webhook (the receiver echoes the caller)."""
        marker = "m" + secrets.token_hex(6)
        digits = str(secrets.randbelow(10**9) + 10**9)
        ga = f"GA1.1.{digits}.1700000000"
        subject = Subject(Visit(self.world.base_url, self.key), ga, caller, marker, call_id())
        landing = f"https://shop.example.com/order?ref={marker}"
        shown = subject.visit.page(
            landing, {"visit_id": f"v-{marker}"}, ga=subject.ga, new_session=True
        )
        number = shown.json()["number"]
        assert number in POOL_NUMBERS
        problem = {"entity": "visit_id", "kind": "exception", "message": "not yet"}
        assert subject.visit.errors([problem], url=landing).status_code == 204
        subject.visit.page("https://shop.example.com/contacts", {"visit_id": f"v2-{marker}"})
        self.hooks.receiver.default = Answer(body=f"thanks for {caller}")
        self.hooks.clock.now = datetime.now(UTC)
        self.hooks.report("started", subject.call_id, caller=caller, called=number)
        self.hooks.report("ended", subject.call_id, caller=caller, called=number)
        self.hooks.deliver(rounds=3)  # all of them, while the receiver echoes this caller
        return subject

    def found(self, traces: list[str]) -> list[str]:
        """Every (table.column, trace) where a text or JSON column of any table holds one."""
        hits = []
        with self.database.session() as db:
            for table in metadata.sorted_tables:
                for column in table.columns:
                    if not isinstance(column.type, SEARCHED_TYPES):
                        continue
                    text = cast(column, Text)
                    wanted = or_(*(text.contains(trace) for trace in traces))
                    for value in db.scalars(select(text).where(wanted)):
                        hits += [
                            f"{table.name}.{column.name}: {trace}"
                            for trace in traces
                            if trace in value
                        ]
        return hits

    def report(self) -> None:
        """The reports a marketer reads, so the rollups hold each grouping's keys and each
        day's callers (reports/rollup.py)."""
        for grouping in ("channel", "landing_page", "entity.visit_id"):
            response = self.world.owner.client.get(
                f"/api/v1/projects/{self.world.project_id}/reports/calls",
                params={"group_by": grouping},
            )
            assert response.status_code == 200, response.text

    def count(self, table: str) -> int:
        with self.database.session() as db:
            return db.scalar(select(func.count()).select_from(metadata.tables[table])) or 0


def call_id() -> str:
    return "CA" + secrets.token_hex(8)


@pytest.fixture
def site(world: World, database: Database) -> Iterator[Site]:
    declare_entity(world, name="visit_id", value="r7k12_si")
    for number in POOL_NUMBERS:
        added = world.owner.client.post(
            f"/api/v1/projects/{world.project_id}/numbers", json={"number": number, "kind": "pool"}
        )
        assert added.status_code == 201, added.text
    with receiving() as receiver:
        hooks = Hooks(database, world, receiver, Clock(datetime.now(UTC)))
        hooks.webhook(
            events=["call.started", "call.completed"],
            parameters=[
                {"name": "caller", "value": "call.caller"},
                {"name": "landing", "value": "visit.landing_page"},
                {"name": "visit", "value": "entity.visit_id"},
            ],
        )
        hooks.webhook(
            name="CRM by query string",
            method="GET",
            format="query",
            parameters=[{"name": "caller", "value": "call.caller"}],
        )
        ga4 = world.owner.client.post(
            f"/api/v1/projects/{world.project_id}/integrations/ga4",
            json={
                "measurement_id": "G-K3Q9ZL2M7P",
                "api_secret": "s3cr3t-Api_Value",
                "endpoint": receiver.url,
            },
        )
        assert ga4.status_code == 201, ga4.text
        yield Site(hooks, database, world, public_key(database, world.project_id))
