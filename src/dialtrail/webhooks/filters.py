"""Webhook filters (docs/design.md §6): which operators suit which field, checking a filter
when it is saved, and deciding whether an event's values pass a webhook's filters.

Semantics, as docs/webhooks.md states them:

- every filter must hold (AND); no filters means every event passes;
- a value is *missing* when the key is absent, ``None`` or the empty string (an unattributed
  call, an entity never seen); ``exists`` is false and ``not_exists`` true for it;
- a comparison with a missing value is false (``eq``, ``in``, ``gt``…, ``contains``), while
  its negations ``ne`` and ``not_in`` are true: "disposition is not busy" holds for a call
  without a disposition;
- ``contains`` is a case-sensitive substring test, like ``eq`` is case-sensitive;
- datetimes compare as instants: ISO 8601 text or ``datetime``; a naive one is taken as UTC.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from dialtrail.described import FieldType, iso
from dialtrail.webhooks.catalogue import BY_KEY, ENTITY_PREFIX

OPERATORS = (
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "exists",
    "not_exists",
)
ORDERING = ("gt", "gte", "lt", "lte")
LISTS = ("in", "not_in")
NO_VALUE = ("exists", "not_exists")
MAX_LIST_ITEMS = 100

OPERATORS_BY_TYPE: dict[FieldType, tuple[str, ...]] = {
    "string": ("eq", "ne", "in", "not_in", "contains", "exists", "not_exists"),
    "integer": ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "exists", "not_exists"),
    "datetime": ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "exists", "not_exists"),
    "boolean": ("eq", "ne", "exists", "not_exists"),
}


def field_type(key: str) -> FieldType:
    """The type of a catalogue key; tracking entities are text."""
    if key.startswith(ENTITY_PREFIX) or key not in BY_KEY:
        return "string"
    return BY_KEY[key].type


# --- Matching ----------------------------------------------------------------------------


def matches(filters: Sequence[Mapping[str, Any]], values: Mapping[str, Any]) -> bool:
    """True when every filter holds for ``values`` (a flat dict keyed by catalogue key)."""
    return all(holds(condition, values.get(condition["field"])) for condition in filters)


def holds(condition: Mapping[str, Any], actual: Any) -> bool:
    op = condition["op"]
    if op == "exists":
        return not is_missing(actual)
    if op == "not_exists":
        return is_missing(actual)
    if op in ("ne", "not_in"):
        positive = {"ne": "eq", "not_in": "in"}[op]
        return not holds({**condition, "op": positive}, actual)
    if is_missing(actual):
        return False
    return compare(op, field_type(condition["field"]), actual, condition.get("value"))


def is_missing(value: Any) -> bool:
    return value is None or value == ""


def compare(op: str, kind: FieldType, actual: Any, expected: Any) -> bool:
    as_kind = COERCIONS[kind]
    left = as_kind(actual)
    if left is None:
        return False  # a value of another type than the field's never matches
    if op == "contains":
        # Saving refuses contains on a field that is not text; one stored otherwise (an older
        # row, an integer field) never holds rather than raising in the delivery's path.
        return isinstance(expected, str) and isinstance(left, str) and expected in left
    if op == "in":
        items = expected if isinstance(expected, list) else []
        return any(left == as_kind(item) for item in items)
    right = as_kind(expected)
    if right is None:
        return False
    return bool(COMPARISONS[op](left, right))


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda left, right: left == right,
    "gt": lambda left, right: left > right,
    "gte": lambda left, right: left >= right,
    "lt": lambda left, right: left < right,
    "lte": lambda left, right: left <= right,
}


def as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def as_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def as_boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def as_instant(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


COERCIONS: dict[FieldType, Callable[[Any], Any]] = {
    "string": as_text,
    "integer": as_number,
    "boolean": as_boolean,
    "datetime": as_instant,
}


# --- Checking a filter when it is saved ---------------------------------------------------


class FilterProblem(ValueError):
    """A filter that cannot be saved; ``part`` is ``op`` or ``value``."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part
        self.message = message


def check_filter(kind: FieldType, op: str, value: Any, value_given: bool) -> Any:
    """The value to store (datetimes as ISO 8601 UTC), or FilterProblem."""
    if op not in OPERATORS_BY_TYPE[kind]:
        raise FilterProblem("op", operator_refusal(kind, op))
    if op in NO_VALUE:
        if value_given and value is not None:
            raise FilterProblem("value", f"{op} takes no value; leave value out")
        return None
    if op in LISTS:
        return check_list(kind, value)
    if op == "contains" and value == "":
        raise FilterProblem("value", "contains needs some text to look for")
    return check_scalar(kind, value, op)


def operator_refusal(kind: FieldType, op: str) -> str:
    allowed = ", ".join(OPERATORS_BY_TYPE[kind])
    if op in ORDERING:
        return f"{op} compares numbers and dates; this field is {kind}: use one of {allowed}"
    if op == "contains":
        return f"contains looks inside text; this field is {kind}: use one of {allowed}"
    return f"{op} does not apply to {with_article(kind)} field: use one of {allowed}"


def with_article(kind: FieldType) -> str:
    """The field type as a sentence says it: "an integer", "a string"."""
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def check_list(kind: FieldType, value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise FilterProblem("value", "in and not_in need a non-empty list of values")
    if len(value) > MAX_LIST_ITEMS:
        raise FilterProblem("value", f"at most {MAX_LIST_ITEMS} values in a list")
    return [check_scalar(kind, item, "in", index) for index, item in enumerate(value)]


def check_scalar(kind: FieldType, value: Any, op: str, index: int | None = None) -> Any:
    checked = COERCIONS[kind](value) if strictly_typed(kind, value) else None
    if checked is None:
        where = "" if index is None else f" (item {index})"
        message = f"{op} on {with_article(kind)} field needs {EXPECTED[kind]}{where}"
        raise FilterProblem("value", message)
    if kind == "datetime":
        return iso(checked)
    return checked


def strictly_typed(kind: FieldType, value: Any) -> bool:
    # At save time only the JSON type that matches the field is accepted: "212" is not a
    # number and 1 is not true, so a filter means exactly what it says.
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "datetime":
        return isinstance(value, str) and has_zone(value)
    return isinstance(value, {"string": str, "boolean": bool}[kind])


def has_zone(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


EXPECTED: dict[FieldType, str] = {
    "string": "a text value",
    "integer": "a whole number",
    "boolean": "true or false",
    "datetime": "an ISO 8601 date and time with a zone, such as 2026-11-27T10:15:00Z",
}
