"""A caller that is not a phone number keeps the call: it is stored as sent in ``caller_raw``
(``caller`` stays E.164 or null), is never a first call, and shows in the API and the CSV;
a withheld caller is neither. The tracking number stays strict."""

from __future__ import annotations

import csv
import io

import pytest

from tests.calls.conftest import Scene, at


@pytest.mark.parametrize("caller", ["101", "sip:alice@example.com", "12", "my phone"])
def test_it_keeps_a_call_whose_caller_is_not_a_phone_number(scene: Scene, caller: str) -> None:
    response = scene.report(caller=caller)

    assert response.status_code == 201, response.text
    [call] = scene.calls()
    assert (call.caller, call.caller_raw, call.is_first_call) == (None, caller, False)
    shown = scene.world.owner.client.get(response.json()["url"]).json()
    assert (shown["caller"], shown["caller_raw"]) == (None, caller)


@pytest.mark.parametrize("caller", ["anonymous", "Restricted", "unknown", "", None, "+266696687"])
def test_a_withheld_caller_is_neither_a_number_nor_raw_text(
    scene: Scene, caller: str | None
) -> None:
    assert scene.report(caller=caller).status_code == 201

    [call] = scene.calls()
    assert (call.caller, call.caller_raw, call.is_first_call) == (None, None, False)


def test_the_same_non_number_caller_on_every_event_makes_one_call(scene: Scene) -> None:
    scene.report(event="started", at=at(0), caller="sip:alice@example.com")
    ended = scene.report(event="ended", at=at(1), caller="sip:alice@example.com")
    other = scene.report(event="answered", at=at(0.5), caller="102")

    assert ended.status_code == 201
    assert (other.status_code, other.json()["fields"][0]["field"]) == (422, "caller")


def test_the_csv_has_the_raw_caller_next_to_the_caller(scene: Scene) -> None:
    scene.report(caller="101")
    scene.report(call_id="CA2", caller="+380671234567")

    url = f"/api/v1/projects/{scene.world.project_id}/calls.csv"
    text = scene.world.owner.client.get(url).content.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text, newline="")))

    header = list(table[0])
    assert header.index("caller_raw") == header.index("caller") + 1
    assert {(row["caller"], row["caller_raw"]) for row in table} == {
        ("", "101"),
        ("'+380671234567", ""),
    }


def test_the_tracking_number_stays_strict(scene: Scene) -> None:
    response = scene.report(called="sip:alice@example.com")

    assert response.status_code == 422
    assert response.json()["fields"][0] == {
        "field": "called",
        "message": "'sip:alice@example.com' is not a phone number",
    }
    assert scene.calls() == []


def test_a_caller_with_an_extension_is_kept_as_sent_not_cut(scene: Scene) -> None:
    assert scene.report(caller="+380 67 123 4567 ext. 21").status_code == 201

    [call] = scene.calls()
    assert (call.caller, call.caller_raw) == (None, "+380 67 123 4567 ext. 21")
