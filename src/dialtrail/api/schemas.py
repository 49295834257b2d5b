"""Building blocks shared by every API body: strict request bodies, ids, the error shape."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dialtrail.api.errors import FieldProblem, invalid

# Ids are 32-bit on PostgreSQL: a larger number in a URL is a 422 naming the parameter, not a
# database error.
MAX_ID = 2**31 - 1


def id_parameter(description: str) -> Any:
    return Path(ge=1, le=MAX_ID, description=description)


ProjectId = Annotated[int, id_parameter("The project's id.")]
EntityId = Annotated[int, id_parameter("The tracking entity's id.")]
UserId = Annotated[int, id_parameter("The user's id.")]
TokenId = Annotated[int, id_parameter("The API token's id.")]
NumberId = Annotated[int, id_parameter("The tracking number's id.")]


class RequestBody(BaseModel):
    """A JSON body: unknown fields are errors (a typo is not silently ignored), and no string
    may hold a NUL character (PostgreSQL cannot store one, and no real value contains it) or a
    lone UTF-16 surrogate such as \\ud800 (valid JSON but not Unicode text: no database can
    store it, no answer can carry it, and pydantic lets it through plain str fields)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def refuse_nul_characters(cls, value: Any) -> Any:
        # Per field, so that the error names the field (nested bodies name their own).
        if contains_nul(value):
            raise ValueError(
                "text may not contain the NUL character (\\u0000) or a lone surrogate (\\ud800)"
            )
        return value


def stripped(value: str | None, pattern: re.Pattern[str], expected: str) -> str | None:
    """A field validator's work for a text matched by a pattern: None stays None, the text is
    kept without surrounding spaces, and ``expected`` (what the field takes) is the error."""
    if value is None:
        return None
    value = value.strip()
    if not pattern.match(value):
        raise ValueError(expected)
    return value


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value or not is_unicode(value)
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False


def is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class FieldProblemBody(BaseModel):
    field: str = Field(description="The offending field, as a dotted path (site_numbers.1).")
    message: str
    position: int | None = Field(
        None, description="For expressions: the 0-based offset of the problem in the value."
    )


class ErrorBody(BaseModel):
    error: str = Field(description="A stable code: validation_failed, not_found, conflict, …")
    message: str = Field(description="One sentence for a person.")
    fields: list[FieldProblemBody] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "Malformed JSON",
        401: "Missing, unknown or revoked API token",
        403: "Your role does not allow this",
        404: "Not found, or not yours",
        409: "Conflicts with what is stored (duplicate, limit reached)",
        413: "Body too large",
        422: "A field is invalid; `fields` names it",
    }.items()
}


def with_defaults(
    given: Mapping[str, Any], defaults: Mapping[str, Any], required: Collection[str] = ()
) -> dict[str, Any]:
    """PATCH semantics, the same for every resource (docs/api.md): a field sent as null goes
    back to its default (null when it has none); a ``required`` field cannot be null (a 422
    naming every such field at once)."""
    refused = [name for name in required if name in given and given[name] is None]
    if refused:
        raise invalid(*(FieldProblem(name, f"{name} cannot be null") for name in refused))
    return {name: defaults.get(name) if value is None else value for name, value in given.items()}
