"""Webhook filters: ``{field, op, value}`` conditions that must all hold for a delivery."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def matches(conditions: list[Any], values: Mapping[str, Any]) -> bool:
    return all(holds(condition, values.get(condition["field"])) for condition in conditions)


def holds(condition: Mapping[str, Any], actual: Any) -> bool:
    op, expected = condition["op"], condition.get("value")
    if op == "exists":
        return actual not in (None, "")
    if op == "not_exists":
        return actual in (None, "")
    if op in ("ne", "not_in"):
        return not holds({**condition, "op": "eq" if op == "ne" else "in"}, actual)
    if actual is None:
        return False
    if op == "eq":
        return bool(actual == expected)
    if op == "in":
        return isinstance(expected, list) and actual in expected
    if op == "contains":
        return str(expected) in str(actual)
    return compare(op, actual, expected)


def compare(op: str, actual: Any, expected: Any) -> bool:
    try:
        if op == "gt":
            return bool(actual > expected)
        if op == "gte":
            return bool(actual >= expected)
        if op == "lt":
            return bool(actual < expected)
        return bool(actual <= expected)
    except TypeError:
        return False
