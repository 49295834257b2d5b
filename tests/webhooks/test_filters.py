"""filters.matches: every operator, missing values, datetimes, and the AND of all filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialtrail.webhooks.filters import OPERATORS, FilterProblem, check_filter, matches

CALL = {
    "call.disposition": "answered",
    "call.talk_seconds": 212,
    "call.started_at": "2026-11-27T10:15:00Z",
    "call.is_first_call": True,
    "visit.utm_source": "google",
    "entity.visit_id": "abc-123",
    "entity.crm_id": None,
    "visit.gclid": "",
}


def one(field: str, op: str, value: Any = None) -> list[dict[str, Any]]:
    return [{"field": field, "op": op, "value": value}]


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("call.disposition", "eq", "answered", True),
        ("call.disposition", "eq", "Answered", False),
        ("call.disposition", "ne", "busy", True),
        ("call.disposition", "ne", "answered", False),
        ("call.disposition", "in", ["busy", "answered"], True),
        ("call.disposition", "in", ["busy", "no_answer"], False),
        ("call.disposition", "not_in", ["busy", "no_answer"], True),
        ("call.disposition", "not_in", ["answered"], False),
        ("call.talk_seconds", "eq", 212, True),
        ("call.talk_seconds", "gt", 211, True),
        ("call.talk_seconds", "gt", 212, False),
        ("call.talk_seconds", "gte", 212, True),
        ("call.talk_seconds", "lt", 212, False),
        ("call.talk_seconds", "lte", 212, True),
        ("call.talk_seconds", "in", [30, 212], True),
        ("call.started_at", "gt", "2026-11-27T10:14:59Z", True),
        ("call.started_at", "lt", "2026-11-27T12:15:00+02:00", False),
        ("call.started_at", "lte", "2026-11-27T12:15:00+02:00", True),
        ("call.started_at", "eq", "2026-11-27T11:15:00+01:00", True),
        ("call.started_at", "in", ["2026-11-27T10:15:00+00:00"], True),
        ("call.is_first_call", "eq", True, True),
        ("call.is_first_call", "ne", True, False),
        ("visit.utm_source", "contains", "oog", True),
        ("visit.utm_source", "contains", "OOG", False),
        ("entity.visit_id", "contains", "-12", True),
        ("entity.visit_id", "exists", None, True),
        ("entity.visit_id", "not_exists", None, False),
    ],
)
def test_each_operator_holds_as_documented(field: str, op: str, value: Any, expected: bool) -> None:
    assert matches(one(field, op, value), CALL) is expected


@pytest.mark.parametrize("field", ["entity.crm_id", "visit.gclid", "visit.referrer"])
def test_a_missing_value_fails_comparisons_and_passes_their_negations(field: str) -> None:
    # None, the empty string and an absent key are all "missing".
    assert matches(one(field, "exists"), CALL) is False
    assert matches(one(field, "not_exists"), CALL) is True
    for op, value in [("eq", "x"), ("in", ["x"]), ("contains", "x"), ("gt", "a")]:
        assert matches(one(field, op, value), CALL) is False, op
    assert matches(one(field, "ne", "x"), CALL) is True
    assert matches(one(field, "not_in", ["x"]), CALL) is True


def test_a_missing_number_or_date_fails_every_ordering() -> None:
    values: dict[str, Any] = {"call.talk_seconds": None, "call.answered_at": None}
    for op in ("gt", "gte", "lt", "lte"):
        assert matches(one("call.talk_seconds", op, 0), values) is False
        assert matches(one("call.answered_at", op, "2000-01-01T00:00:00Z"), values) is False


def test_datetimes_may_be_aware_naive_or_text() -> None:
    kyiv = timezone(timedelta(hours=2))
    for started in [
        datetime(2026, 11, 27, 10, 15, tzinfo=UTC),
        datetime(2026, 11, 27, 12, 15, tzinfo=kyiv),
        datetime(2026, 11, 27, 10, 15),  # naive: UTC, as the database hands them out
        "2026-11-27T12:15:00+02:00",
    ]:
        values = {"call.started_at": started}
        assert matches(one("call.started_at", "eq", "2026-11-27T10:15:00Z"), values)
        assert not matches(one("call.started_at", "gt", "2026-11-27T10:15:00Z"), values)


def test_a_value_of_the_wrong_type_never_matches() -> None:
    values = {"call.talk_seconds": "a lot", "call.started_at": "soon", "call.is_first_call": 1}
    assert not matches(one("call.talk_seconds", "gt", 0), values)
    assert not matches(one("call.started_at", "lt", "2100-01-01T00:00:00Z"), values)
    assert not matches(one("call.is_first_call", "eq", True), values)
    assert matches(one("call.talk_seconds", "gt", 0), {"call.talk_seconds": "5"})


def test_all_filters_must_hold_and_none_means_everything() -> None:
    answered = one("call.disposition", "eq", "answered")
    long_call = one("call.talk_seconds", "gte", 300)
    assert matches([], CALL)
    assert matches(answered, CALL)
    assert not matches(answered + long_call, CALL)


keys = st.sampled_from(["call.disposition", "entity.visit_id", "call.talk_seconds"])
values = st.none() | st.text(max_size=5) | st.integers(-5, 5) | st.booleans()
conditions = st.fixed_dictionaries(
    {"field": keys, "op": st.sampled_from(OPERATORS), "value": values | st.lists(values)}
)


@given(condition=conditions, actual=st.dictionaries(keys, values | st.lists(values) | st.floats()))
@example(
    condition={"field": "call.disposition", "op": "in", "value": 3},
    actual={"call.disposition": "a"},
)
@example(  # contains on an integer field (saving refuses it): false, not a TypeError
    condition={"field": "call.talk_seconds", "op": "contains", "value": ""},
    actual={"call.talk_seconds": 0},
)
def test_matching_never_raises_and_negations_are_complements(
    condition: dict[str, Any], actual: dict[str, Any]
) -> None:
    # Stored filters are checked when saved; matching must still never raise on odd ones.
    negation = {"eq": "ne", "in": "not_in", "exists": "not_exists"}.get(condition["op"])
    result = matches([condition], actual)
    if negation and (condition["op"] != "in" or isinstance(condition["value"], list)):
        assert matches([{**condition, "op": negation}], actual) is not result


def test_check_filter_normalises_datetimes_to_utc() -> None:
    stored = check_filter("datetime", "gte", "2026-11-27T12:00:00+02:00", value_given=True)
    assert stored == "2026-11-27T10:00:00Z"
    assert check_filter("string", "exists", None, value_given=False) is None


def test_refusals_say_the_field_type_with_its_article() -> None:
    with pytest.raises(FilterProblem) as integer:
        check_filter("integer", "gte", "many", value_given=True)
    with pytest.raises(FilterProblem) as string:
        check_filter("string", "gte", "x", value_given=True)

    assert integer.value.message.startswith("gte on an integer field needs")
    assert "this field is string" in string.value.message
