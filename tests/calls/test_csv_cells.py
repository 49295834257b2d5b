"""How values become CSV cells (pure functions of calls/export.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialtrail.calls.export import cell, spreadsheet_safe


@pytest.mark.parametrize("text", ["=1+1", "+442079460958", "-1", "@SUM(A1)", "\tx", "\rx", "\nx"])
def test_it_quotes_every_formula_trigger(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["", "crm-42", "a=b", "'quoted", " =1", "Київ"])
def test_it_leaves_other_text_alone(text: str) -> None:
    assert spreadsheet_safe(text) == text


def test_it_writes_values_as_text() -> None:
    assert cell(None) == ""
    assert (cell(True), cell(False)) == ("true", "false")
    assert cell(datetime(2026, 11, 27, 12, 0, tzinfo=UTC)) == "2026-11-27T12:00:00Z"
    assert cell(["a", "b"]) == "a b"
    assert cell({"k": "в"}) == '{"k":"в"}'
    assert cell(3) == "3"
