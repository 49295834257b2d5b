"""The parameter catalogue (docs/design.md §6): every value a webhook parameter can be mapped to.

Keys are ``group.field``; ``entity.<name>`` exists for each of the project's tracking entities.
The ``call.*`` and ``visit.*`` fields derive from the typed event data (``calls/data.py``,
``sessions/visit.py``), so every field an event carries can be sent.
Each field has a type, used to check filters and to format dates, a description and an example
that the API and the admin UI show next to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialtrail.calls.data import CALL_DATA_FIELDS
from dialtrail.described import FieldType
from dialtrail.sessions.visit import VISIT_FIELDS


@dataclass(frozen=True)
class CatalogueField:
    key: str
    type: FieldType
    description: str
    example: str | int | bool

    @property
    def group(self) -> str:
        return self.key.split(".", 1)[0]


GROUP_TITLES = {
    "call": "Call",
    "visit": "Visit",
    "project": "Project",
    "entity": "Tracking entities",
}

FIELDS: tuple[CatalogueField, ...] = (
    *(
        CatalogueField(f"call.{field.name}", field.type, field.description, field.example)
        for field in CALL_DATA_FIELDS
    ),
    *(
        CatalogueField(f"visit.{field.name}", field.type, field.description, field.example)
        for field in VISIT_FIELDS
    ),
    CatalogueField("project.id", "integer", "The project's id.", 1),
    CatalogueField("project.name", "string", "The project's name.", "Example shop"),
)

BY_KEY = {field.key: field for field in FIELDS}
ENTITY_PREFIX = "entity."


def entity_field(name: str) -> CatalogueField:
    return CatalogueField(
        ENTITY_PREFIX + name, "string", f"Tracking entity {name}, as at the call's start.", ""
    )


def find_field(key: str, entity_names: set[str]) -> CatalogueField | None:
    """The catalogue field for ``key``; entity fields only for this project's entities."""
    if key.startswith(ENTITY_PREFIX):
        name = key.removeprefix(ENTITY_PREFIX)
        return entity_field(name) if name in entity_names else None
    return BY_KEY.get(key)
