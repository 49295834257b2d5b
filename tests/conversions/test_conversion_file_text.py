"""The files' text, pure: the time zone line, the documented header, UTC times, quoting."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from dialtrail.conversions.files import conversion_file
from dialtrail.conversions.rows import ConversionRow

ROW = ConversionRow(
    click_id="Cj0KCQ",
    name='Call, "qualified"',
    time=datetime(2026, 3, 29, 1, 30, 5, tzinfo=UTC),  # the night Europe's clocks go forward
    value="1234.50",
    currency="EUR",
    call_id=7,
)


def test_a_row_reads_back_with_commas_and_quotes_in_its_name() -> None:
    text = conversion_file("google", [ROW])

    lines = text.split("\r\n")
    assert lines[0] == "Parameters:TimeZone=+0000"
    assert lines[-1] == ""  # every line ends with CRLF
    table = list(csv.reader(io.StringIO("\r\n".join(lines[1:]), newline="")))
    assert table == [
        ["Google Click ID", "Conversion Name", "Conversion Time", "Conversion Value",
         "Conversion Currency"],
        ["Cj0KCQ", 'Call, "qualified"', "2026-03-29 01:30:05", "1234.50", "EUR"],
    ]  # fmt: skip


def test_no_value_leaves_both_value_cells_empty_and_microsoft_names_its_click_id() -> None:
    text = conversion_file("microsoft", [ROW.__class__(**{**ROW.__dict__, "value": None,
                                                          "currency": None})])  # fmt: skip

    header, row = list(csv.reader(io.StringIO(text.split("\r\n", 1)[1], newline="")))

    assert header[0] == "Microsoft Click ID"
    assert row[3:] == ["", ""]
    assert not text.startswith("\ufeff")
