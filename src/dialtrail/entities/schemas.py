"""Request and response bodies of the tracking entities API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from dialtrail.api.schemas import RequestBody
from dialtrail.entities.models import EntityType, Keep, Scope, TrackingEntity
from dialtrail.entities.rules import check_name
from dialtrail.privacy.redaction import Privacy

EntityName = Annotated[
    str,
    AfterValidator(check_name),
    Field(
        description="Unique in the project: ^[A-Za-z_][A-Za-z0-9_]{0,63}$", examples=["visit_id"]
    ),
]
Value = Annotated[
    str,
    Field(
        description="simple: a global variable path (r7k12_si, shop.visit.id); expression: "
        "the expression language of docs/tracking-entities.md.",
        examples=["r7k12_si"],
    ),
]
Description = Annotated[str, Field(max_length=2000)]
ConfirmSensitive = Annotated[
    bool,
    Field(
        description="Accept a value that forwards every cookie (document.cookie) or all of "
        "localStorage/sessionStorage to the CRM; without it such a value is a 422 at `value`. "
        "Not stored: asked again only when the value changes."
    ),
]
PRIVACY_HELP = (
    "What the collector stores of the value (docs/privacy.md): redact (default: e-mail "
    "addresses and phone numbers replaced by [email] and [phone]), keep (as sent), or hash "
    "(hmac-sha256:<64 hex digits>, a keyed hash equal for equal values)."
)


class EntityCreate(RequestBody):
    name: EntityName
    type: EntityType
    scope: Scope = "session"
    value: Value
    keep: Keep | None = Field(None, description="Session scope only: last (default) or first.")
    enabled: bool = True
    description: Description = ""
    privacy: Privacy = Field("redact", description=PRIVACY_HELP)
    confirm_sensitive: ConfirmSensitive = False


class EntityUpdate(RequestBody):
    name: EntityName | None = None
    type: EntityType | None = None
    scope: Scope | None = None
    value: Value | None = None
    keep: Keep | None = None
    enabled: bool | None = None
    description: Description | None = None
    privacy: Privacy | None = Field(None, description=PRIVACY_HELP)
    confirm_sensitive: ConfirmSensitive = False


class EntityError(BaseModel):
    message: str
    kind: str | None
    at: datetime
    page_url: str | None


class EntityHealth(BaseModel):
    last_value: str | None = Field(description="The newest non-empty value the script saw.")
    last_seen_at: datetime | None
    recent_page_views: int = Field(
        description="How many of the project's last 50 page views are counted: those viewed "
        "since the entity was declared."
    )
    recent_with_value: int = Field(
        description="How many of those page views had a non-empty value for the entity "
        '("value on 37 of the last 50 page views").'
    )
    error_count: int
    last_error: EntityError | None


class EntityOut(BaseModel):
    id: int
    project_id: int
    name: str
    type: EntityType
    scope: Scope
    value: str
    keep: Keep | None = Field(description="null for page-view scope, where it does not apply.")
    enabled: bool
    description: str
    privacy: Privacy
    created_at: datetime
    updated_at: datetime
    health: EntityHealth = Field(description="What the insertion script reported.")

    @classmethod
    def build(cls, entity: TrackingEntity, health: EntityHealth) -> EntityOut:
        return cls(
            id=entity.id,
            project_id=entity.project_id,
            name=entity.name,
            type=entity.type,
            scope=entity.scope,
            value=entity.value,
            keep=entity.keep if entity.scope == "session" else None,
            enabled=entity.enabled,
            description=entity.description,
            privacy=entity.privacy,
            created_at=entity.created_at,
            updated_at=entity.updated_at,
            health=health,
        )


class EntityList(BaseModel):
    items: list[EntityOut]
    limit: int = Field(description="How many entities a project may have.")
