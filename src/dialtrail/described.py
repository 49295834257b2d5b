"""Event data shapes described once: a frozen dataclass whose fields carry their description
and example (docs/design.md §6's catalogue shows both), and their JSON form.

``sessions/visit.py`` (the visit a call carries) and ``calls/data.py`` (the call as webhooks
and analytics see it) are written this way; the webhook catalogue, the CSV columns and the
outbox derive their lists from them instead of spelling the fields out again.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_type_hints

FieldType = Literal["string", "integer", "boolean", "datetime"]
JsonScalar = str | int | bool | None
Example = str | int | bool


def about(description: str, example: Example, *, landing: bool = False) -> dict[str, Any]:
    """A field's documentation; ``landing``: a visit field read from the landing page's URL."""
    return {"description": description, "example": example, "landing": landing}


@dataclass(frozen=True)
class DescribedField:
    name: str
    type: FieldType
    description: str
    example: Example
    landing: bool


def field_type(annotation: object) -> FieldType:
    """The catalogue's type of a field annotated ``str``, ``int``, ``bool`` or ``datetime``
    (optional or not)."""
    kinds = set(getattr(annotation, "__args__", (annotation,))) - {type(None)}
    for kind, name in ((bool, "boolean"), (int, "integer"), (datetime, "datetime")):
        if kind in kinds:
            return name  # type: ignore[return-value]
    return "string"


def described_fields(shape: type[Any]) -> tuple[DescribedField, ...]:
    hints = get_type_hints(shape)
    return tuple(
        DescribedField(
            field.name,
            field_type(hints[field.name]),
            field.metadata["description"],
            field.metadata["example"],
            field.metadata["landing"],
        )
        for field in dataclasses.fields(shape)
    )


def as_json(instance: object) -> dict[str, JsonScalar]:
    """A described dataclass as stored and sent: plain JSON, times as ISO 8601 text in UTC."""
    return {name: json_value(value) for name, value in vars(instance).items()}


def json_value(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


def iso(moment: datetime | None) -> str | None:
    """The one way a time is written as text in UTC: ``2026-12-04T09:30:00Z`` (the API's JSON
    writes the same through pydantic)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None
