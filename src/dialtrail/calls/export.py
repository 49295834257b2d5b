"""Calls as CSV for spreadsheets: one row per call, safe to open in Excel or LibreOffice.

- **Columns**: every field of the call JSON, then ``visit.<field>`` (the snapshot's fields
  always, in their order in ``sessions/visit.py``, then any other key found in the
  snapshots), then ``entity.<name>`` for every entity found in the snapshots (its value at
  call start).
- **Formula injection** (OWASP "CSV Injection"): a cell starting with ``=``, ``+``, ``-``,
  ``@``, tab, carriage return or line feed gets a leading ``'``, so a spreadsheet shows it as
  text instead of running it. That includes E.164 numbers (``'+442079460958``): unprefixed,
  Excel reads ``+442079460958`` as a sum and shows ``4.42E+11``; with the quote the cell is
  text and keeps the ``+`` and every digit. Programs reading the file should strip one
  leading ``'``, or use the JSON list, which is never escaped.
- **UTF-8 with a byte-order mark**: without it, Excel on Windows reads the file in the local
  ANSI code page and Cyrillic values turn into mojibake. Python reads it with ``utf-8-sig``.
- **Memory**: rows are read in keyset pages of ``CHUNK`` calls, each in its own short
  transaction, and streamed; a 100k-call export never holds more than one page, and on SQLite
  it never holds the database's lock for longer than one page takes to read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from dialtrail.calls import queries
from dialtrail.calls.filters import CallFilters
from dialtrail.calls.models import Call
from dialtrail.calls.schemas import CallOut, call_out
from dialtrail.described import iso
from dialtrail.sessions.visit import VISIT_FIELDS

CHUNK = 500
BYTE_ORDER_MARK = "\ufeff"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
CALL_COLUMNS = [name for name in CallOut.model_fields if name not in ("visit", "entities")]
# The visit snapshot's fields in their defined order (sessions/visit.py).
VISIT_COLUMNS = [field.name for field in VISIT_FIELDS]


@dataclass(frozen=True)
class Columns:
    visit: list[str]
    entities: list[str]

    def header(self) -> list[str]:
        visit = [f"visit.{key}" for key in self.visit]
        return [*CALL_COLUMNS, *visit, *(f"entity.{name}" for name in self.entities)]


def columns(db: Session, project_id: int, filters: CallFilters) -> Columns:
    found = queries.snapshot_keys(db, project_id, filters, Call.visit)
    visit = [*VISIT_COLUMNS, *(key for key in found if key not in VISIT_COLUMNS)]
    return Columns(visit, queries.snapshot_keys(db, project_id, filters, Call.entities))


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value) or ""
    if isinstance(value, list):
        return " ".join(cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def snapshot_value(entry: Any) -> Any:
    # Entities are stored as {value, observed_at, page_url}; the column shows the value.
    return entry.get("value") if isinstance(entry, dict) else entry


def row(call: CallOut, columns: Columns) -> list[str]:
    cells = [cell(getattr(call, name)) for name in CALL_COLUMNS]
    cells += [cell(call.visit.get(key)) for key in columns.visit]
    cells += [cell(snapshot_value(call.entities.get(name))) for name in columns.entities]
    return [spreadsheet_safe(text) for text in cells]


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)  # RFC 4180: quotes doubled, CRLF line ends
    return buffer.getvalue()


def stream(
    factory: sessionmaker[Session], project_id: int, filters: CallFilters, columns: Columns
) -> Iterator[str]:
    yield BYTE_ORDER_MARK + csv_text([[spreadsheet_safe(name) for name in columns.header()]])
    after: queries.Position | None = None
    while True:
        # The transaction ends before the text is sent: a slow client holds no lock.
        with factory() as db:
            page = queries.find_calls(db, project_id, filters, after, CHUNK)
            text = csv_text(rows(db, page, columns))
        yield text
        if len(page) < CHUNK:
            return
        after = queries.Position(page[-1].call.started_at, page[-1].call.id)


def rows(db: Session, page: list[queries.CallRow], columns: Columns) -> list[list[str]]:
    keys = queries.session_keys(db, [item.call for item in page])
    return [
        row(call_out(item.call, item.session_key, item.visitor_key, keys), columns) for item in page
    ]
