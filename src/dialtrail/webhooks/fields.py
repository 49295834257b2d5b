"""The field catalogue as users see it: grouped for the API (``GET …/webhook-fields``) and as
the Markdown table of docs/webhooks.md (a test checks that the doc carries this very table)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dialtrail.webhooks.catalogue import FIELDS, GROUP_TITLES, CatalogueField, entity_field


@dataclass(frozen=True)
class FieldGroup:
    key: str
    title: str
    fields: list[CatalogueField]


def catalogue_groups(entity_names: Iterable[str]) -> list[FieldGroup]:
    """Call, Visit, Project, then one ``entity.<name>`` per tracking entity of the project."""
    groups = [
        FieldGroup(key, title, [field for field in FIELDS if field.group == key])
        for key, title in GROUP_TITLES.items()
        if key != "entity"
    ]
    entities = [entity_field(name) for name in entity_names]
    return [*groups, FieldGroup("entity", GROUP_TITLES["entity"], entities)]


def catalogue_table() -> str:
    """The Markdown table of every fixed field (entities are per project)."""
    lines = ["| key | type | description | example |", "|---|---|---|---|"]
    for field in FIELDS:
        example = f"`{field.example}`" if field.example != "" else "(empty)"
        if isinstance(field.example, bool):
            example = f"`{str(field.example).lower()}`"
        lines.append(f"| `{field.key}` | {field.type} | {field.description} | {example} |")
    lines.append(
        "| `entity.<name>` | string | Each tracking entity of the project, as at the call's "
        "start. | `a1b2c3` |"
    )
    return "\n".join(lines)
