"""docs/webhooks.md documents every catalogue field, every limit and every operator."""

from __future__ import annotations

from pathlib import Path

from dialtrail.webhooks import rules, worker
from dialtrail.webhooks.catalogue import FIELDS
from dialtrail.webhooks.fields import catalogue_table
from dialtrail.webhooks.filters import OPERATORS
from dialtrail.webhooks.lanes import PER_WEBHOOK, RECENT_SECONDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
REGENERATE = (
    "regenerate the table in docs/webhooks.md with: PYTHONPATH=src python -c "
    '"from dialtrail.webhooks.fields import catalogue_table; print(catalogue_table())"'
)


def test_the_doc_carries_the_catalogue_table_as_generated() -> None:
    assert catalogue_table() in DOC.read_text(), REGENERATE


def test_the_doc_lists_every_field_and_operator() -> None:
    text = DOC.read_text()
    assert [field.key for field in FIELDS if f"`{field.key}`" not in text] == []
    assert [op for op in OPERATORS if f"`{op}`" not in text] == []


def test_the_doc_states_the_limits_the_code_enforces() -> None:
    text = DOC.read_text()
    for limit in (
        f"| {rules.MAX_WEBHOOKS_PER_EVENT} (",
        f"| parameters per webhook | {rules.MAX_PARAMETERS} |",
        f"| {rules.MAX_FILTERS};",
        f"| {rules.MAX_HEADERS} (name ≤ {rules.MAX_HEADER_NAME_LENGTH}",
        f"| URL | {rules.MAX_URL_LENGTH:,} characters |",
    ):
        assert limit in text, limit


def test_the_doc_states_the_workers_limits() -> None:
    text = " ".join(DOC.read_text().split())
    assert f"up to {worker.CONCURRENCY} requests at once, and at most **{PER_WEBHOOK} per" in text
    assert f"no more than its {PER_WEBHOOK} plus twice what" in text
    assert f"completed in the last {RECENT_SECONDS:g} seconds" in text
    assert f"at most {worker.HOLD} deliveries of webhooks that already hold some" in text
    assert f"and {worker.RESERVE} more for webhooks that hold none" in text
    assert f"claims those (up to {PER_WEBHOOK} each)" in text
