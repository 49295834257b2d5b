"""The visit snapshot is defined once (sessions/visit.py); everything that lists visit fields
derives from it, so a field added in one place only fails here."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect

from dialtrail.calls import export
from dialtrail.calls.schemas import CallOut
from dialtrail.collector import sources
from dialtrail.sessions.models import WebSession
from dialtrail.sessions.schemas import SourceFields
from dialtrail.sessions.visit import LANDING_PARAMETERS, VISIT_FIELDS, VisitSnapshot
from dialtrail.webhooks.catalogue import FIELDS

SNAPSHOT_NAMES = [field.name for field in dataclasses.fields(VisitSnapshot)]


def test_every_field_is_described_with_an_example_of_its_type() -> None:
    kinds = {"string": str, "integer": int, "datetime": str}

    for field in VISIT_FIELDS:
        assert field.description.endswith("."), field.name
        assert isinstance(field.example, kinds[field.type]), field.name

    assert [field.name for field in VISIT_FIELDS] == SNAPSHOT_NAMES


def test_the_catalogue_offers_the_snapshots_fields_in_its_order() -> None:
    offered = [field.key for field in FIELDS if field.group == "visit"]

    assert offered == [f"visit.{name}" for name in SNAPSHOT_NAMES]


def test_the_csv_has_a_column_for_every_visit_field_in_the_snapshots_order() -> None:
    header = export.Columns(export.VISIT_COLUMNS, []).header()

    assert [name for name in header if name.startswith("visit.")] == [
        f"visit.{name}" for name in SNAPSHOT_NAMES
    ]


def test_the_collector_reads_every_landing_parameter_and_the_session_stores_it() -> None:
    columns = {column.key for column in inspect(WebSession).columns}

    assert set(LANDING_PARAMETERS) <= columns
    url = "https://shop.example/?" + "&".join(f"{name}=v-{name}" for name in LANDING_PARAMETERS)
    assert sources.source_fields(url) == {name: f"v-{name}" for name in LANDING_PARAMETERS}


def test_the_sessions_api_shows_the_landing_parameters_referrer_and_landing_page() -> None:
    assert set(SourceFields.model_fields) == {
        *LANDING_PARAMETERS,
        "referrer",
        "landing_page",
        "channel",
    }


def test_the_stored_snapshot_is_plain_json_with_the_time_in_utc_text() -> None:
    started = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    empty: dict[str, Any] = {name: None for name in SNAPSHOT_NAMES[2:]}
    del empty["started_at"], empty["page_views"]
    snapshot = VisitSnapshot("s", "v", started_at=started, page_views=2, **empty)

    stored = snapshot.as_json()

    assert list(stored) == SNAPSHOT_NAMES
    assert stored["started_at"] == "2026-12-04T09:30:00Z"
    assert stored["page_views"] == 2


def test_the_calls_api_documents_every_visit_field() -> None:
    schema = CallOut.model_json_schema()["properties"]["visit"]

    assert list(schema["properties"]) == SNAPSHOT_NAMES
    assert schema["properties"]["started_at"]["format"] == "date-time"
