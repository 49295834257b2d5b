"""The parameter catalogue (docs/design.md §6): every value a webhook parameter can be mapped to.

Keys are ``group.field``; ``entity.<name>`` exists for each of the project's tracking entities.
The ``visit.*`` fields are derived from the visit snapshot's definition
(``sessions/visit.py``), so every stored visit field can be sent.
Each field has a type, used to check filters and to format dates, a description and an example
that the API and the admin UI show next to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dialtrail.sessions.visit import VISIT_FIELDS

FieldType = Literal["string", "integer", "boolean", "datetime"]


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
    CatalogueField("call.id", "integer", "Dialtrail's id of the call.", 1842),
    CatalogueField("call.external_id", "string", "The telephony's id of the call.", "CA5f0e…"),
    CatalogueField("call.direction", "string", "Always incoming.", "incoming"),
    CatalogueField(
        "call.caller",
        "string",
        "Who called, E.164; empty when withheld or not a phone number.",
        "+14155550100",
    ),
    CatalogueField(
        "call.caller_raw",
        "string",
        "The caller as the telephony sent it when not a phone number (an extension, a SIP "
        "address); empty otherwise.",
        "",
    ),
    CatalogueField("call.tracking_number", "string", "The number dialled, E.164.", "+12125550140"),
    CatalogueField("call.destination", "string", "Where the call was forwarded.", "+12125550123"),
    CatalogueField(
        "call.started_at", "datetime", "When it started ringing.", "2026-11-27T10:15:00Z"
    ),
    CatalogueField("call.answered_at", "datetime", "When it was answered.", "2026-11-27T10:15:09Z"),
    CatalogueField("call.ended_at", "datetime", "When it ended.", "2026-11-27T10:18:41Z"),
    CatalogueField("call.wait_seconds", "integer", "Seconds from ringing to answer.", 9),
    CatalogueField("call.talk_seconds", "integer", "Seconds of conversation.", 212),
    CatalogueField("call.duration_seconds", "integer", "Seconds from start to end.", 221),
    CatalogueField(
        "call.disposition",
        "string",
        "answered, no_answer, busy, failed or voicemail.",
        "answered",
    ),
    CatalogueField("call.recording_url", "string", "The recording, if the telephony made one.", ""),
    CatalogueField("call.insertion_type", "string", "dynamic (pool), static or none.", "dynamic"),
    CatalogueField(
        "call.attribution",
        "string",
        "session, ambiguous, late, static or none (docs/numbers.md).",
        "session",
    ),
    CatalogueField(
        "call.is_first_call", "boolean", "The caller never called this project before.", True
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
