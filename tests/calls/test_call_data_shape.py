"""The call group of an event is defined once (calls/data.py): the catalogue offers exactly its
fields, the outbox sends exactly them, and each is a column of the stored call."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect

from dialtrail.calls.data import CALL_DATA_FIELDS, CALL_DATA_NAMES, CallData
from dialtrail.calls.models import Call
from dialtrail.projects.models import Project
from dialtrail.webhooks.catalogue import FIELDS
from dialtrail.webhooks.outbox import event_data

STARTED = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def a_call() -> Call:
    return Call(
        id=7,
        project_id=1,
        external_id="CA1",
        direction="incoming",
        caller="+14155550100",
        tracking_number="+12125550140",
        started_at=STARTED,
        insertion_type="dynamic",
        attribution="session",
        is_first_call=True,
        visit={"utm_source": "google"},
        entities={},
    )


def test_the_catalogue_offers_the_call_fields_in_their_order() -> None:
    offered = [field.key for field in FIELDS if field.group == "call"]

    assert offered == [f"call.{name}" for name in CALL_DATA_NAMES]


def test_every_call_field_is_a_column_of_the_stored_call() -> None:
    columns = {column.key for column in inspect(Call).columns}

    assert set(CALL_DATA_NAMES) <= columns


def test_every_field_has_a_description_and_an_example_of_its_type() -> None:
    kinds = {"string": str, "integer": int, "boolean": bool, "datetime": str}

    for field in CALL_DATA_FIELDS:
        assert field.description.endswith("."), field.name
        assert isinstance(field.example, kinds[field.type]), field.name
    assert {field.name: field.type for field in CALL_DATA_FIELDS}["is_first_call"] == "boolean"
    assert {field.name: field.type for field in CALL_DATA_FIELDS}["answered_at"] == "datetime"


def test_the_outbox_sends_exactly_the_call_fields_as_json() -> None:
    data = event_data(a_call(), Project(id=1, name="Shop"))

    assert list(data["call"]) == list(CALL_DATA_NAMES)
    assert data["call"]["started_at"] == "2026-12-04T09:30:00Z"
    assert data["call"]["answered_at"] is None
    assert data["visit"] == {"utm_source": "google"}
    assert CallData.of(a_call()).caller == "+14155550100"
