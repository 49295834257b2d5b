"""The report's hand-written copy of a cell's counts (report.with_visits, faster than
dataclasses.replace over a year of days) keeps every field: a field added to Counts and
forgotten there would silently fall back to its default."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from dialtrail.reports.figures import Counts
from dialtrail.reports.report import with_visits


@pytest.mark.storage_agnostic
def test_a_cell_with_its_visits_keeps_every_other_count() -> None:
    counts = Counts(*range(1, len(fields(Counts)) + 1))  # a distinct value in every field

    assert with_visits(counts, 99) == replace(counts, sessions=99)
