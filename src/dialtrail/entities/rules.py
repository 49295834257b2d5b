"""Rules of a tracking entity's declaration (docs/design.md §2) as pure functions."""

from __future__ import annotations

import re

from dialtrail.entities.expressions import ExpressionError, Node, parse_expression, parse_path

MAX_ENTITIES_PER_PROJECT = 50
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
NAME_CHARACTER = re.compile(r"[A-Za-z0-9_]")
MAX_NAME_LENGTH = 64


def check_name(name: str) -> str:
    """The name, or a ValueError saying exactly which rule it breaks."""
    if NAME_PATTERN.match(name):
        return name
    if not name:
        raise ValueError("a name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"at most {MAX_NAME_LENGTH} characters (this one has {len(name)})")
    if name[0].isdigit():
        raise ValueError(f"{name!r} starts with a digit; start with a letter or underscore")
    return reject_character(name)


def reject_character(name: str) -> str:
    for position, character in enumerate(name):
        if not NAME_CHARACTER.match(character) or not character.isascii():
            raise ValueError(
                f"{name!r} has {character!r} at position {position}; use only Latin letters, "
                "digits and underscores (such as visit_id)"
            )
    raise ValueError(f"{name!r} is not a valid name")


def check_value(entity_type: str, value: str, *, allow_raw_js: bool) -> Node:
    """The parsed value; ExpressionError (with the position of the first problem) for a bad
    one."""
    if entity_type == "simple":
        return parse_path(value)
    return parse_expression(value, allow_raw_js=allow_raw_js)


__all__ = ["ExpressionError", "check_name", "check_value"]


def newest_wins(keep: str) -> bool:
    """docs/design.md §2, the one statement of ``keep``: a session-scope entity's value is its
    newest non-empty observation (``last``, the default), or its oldest (``first``). The
    collector's upserts (collector/store.py) and a call's snapshot as of its start
    (calls/snapshots.py) both ask this."""
    return keep != "first"
