"""The three events the insertion script sends, validated strictly (DESIGN §3).

The wire format is documented in docs/insertion-script.md. Bodies are JSON sent as
``text/plain`` (no CORS preflight) and capped at 8 KB before they get here.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ClientId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
EntityName = Annotated[str, StringConstraints(max_length=64)]
# The script cuts values to 1,000 characters; the server cuts again (and flags) in case an
# older or foreign client sends more, so the limit here only stops absurd input.
RawValue = Annotated[str, StringConstraints(max_length=4000)] | None
MAX_ENTITIES = 50


class Event(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    visitor: ClientId
    session: ClientId
    page_view: ClientId


class ValuesEvent(Event):
    # The raw _ga cookie; sites (and other tools) sometimes grow it, so it is only bounded
    # by the body cap and parsed leniently (sources.ga_client_id).
    ga: str | None = None
    values: dict[EntityName, RawValue] = Field(default_factory=dict, max_length=MAX_ENTITIES)
    truncated: list[EntityName] = Field(default_factory=list, max_length=MAX_ENTITIES)


class PageViewEvent(ValuesEvent):
    new_session: bool = False
    url: Annotated[str, StringConstraints(min_length=1, max_length=4096)]
    title: Annotated[str, StringConstraints(max_length=2000)] = ""
    referrer: Annotated[str, StringConstraints(max_length=4096)] = ""


class PingEvent(ValuesEvent):
    pass


ErrorKind = Literal["undefined", "exception", "selector", "regex", "parse", "csp", "js"]


class EntityErrorReport(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    entity: EntityName
    kind: ErrorKind
    message: Annotated[str, StringConstraints(max_length=300)] = ""


class ErrorsEvent(Event):
    url: Annotated[str, StringConstraints(max_length=4096)] = ""
    errors: list[EntityErrorReport] = Field(min_length=1, max_length=20)
