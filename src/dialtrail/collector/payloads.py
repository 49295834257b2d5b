"""The three events the insertion script sends, validated strictly (docs/design.md §3).

The wire format is documented in docs/insertion-script.md. Bodies are JSON sent as
``text/plain`` (no CORS preflight) and capped at 8 KB before they get here.

Every text is cleaned of NUL characters and lone surrogates (``Text``): pages do hold them
(a title built by a script, a value read from the DOM), PostgreSQL's text cannot store a NUL
and no database can store half a UTF-16 pair. Dropping those characters keeps the page view,
its session and its number lease; refusing the event would lose all of that for one
invisible character (docs/insertion-script.md, "What the server changes").
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from dialtrail.privacy.redaction import Policy

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """The text without NUL characters and lone surrogates (a JSON parser joins every valid
    surrogate pair into one character, so any surrogate left is alone)."""
    return UNSTORABLE.sub("", text) if UNSTORABLE.search(text) else text


STORABLE = AfterValidator(storable)


ClientId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
EntityName = Annotated[str, StringConstraints(max_length=64), STORABLE]
# The script cuts values to 1,000 characters; the server cuts again (and flags) in case an
# older or foreign client sends more, so the limit here only stops absurd input.
RawValue = Annotated[str, StringConstraints(max_length=4000), STORABLE] | None
MAX_ENTITIES = 50
# GA4's session id is the session's start in Unix seconds; Matomo's visitor id is 16 hex
# digits (its tracking API's _id refuses anything else).
GaSessionId = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,18}$")]
MatomoVisitorId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]


class Event(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    visitor: ClientId
    session: ClientId
    page_view: ClientId


class ValuesEvent(Event):
    # The raw _ga cookie; sites (and other tools) sometimes grow it, so it is only bounded
    # by the body cap and parsed leniently (sources.ga_client_id).
    ga: Annotated[str, STORABLE] | None = None
    # Read by the script from GA4's _ga_<stream> and Matomo's _pk_id cookies, and sent only
    # when well-formed, so anything else is not the script's and is refused by name.
    ga_session_id: GaSessionId | None = None
    ga_session_number: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    matomo_visitor_id: MatomoVisitorId | None = None
    values: dict[EntityName, RawValue] = Field(default_factory=dict, max_length=MAX_ENTITIES)
    truncated: list[EntityName] = Field(default_factory=list, max_length=MAX_ENTITIES)


ANALYTICS_IDS = ("ga_session_id", "ga_session_number", "matomo_visitor_id")
"""The analytics tools' ids a session stores as the newest event carrying each left it."""


class PageViewEvent(ValuesEvent):
    new_session: bool = False
    url: Annotated[str, StringConstraints(min_length=1, max_length=4096), STORABLE]
    title: Annotated[str, StringConstraints(max_length=2000), STORABLE] = ""
    referrer: Annotated[str, StringConstraints(max_length=4096), STORABLE] = ""


class PingEvent(ValuesEvent):
    pass


ErrorKind = Literal["undefined", "exception", "selector", "regex", "parse", "csp", "js"]


class EntityErrorReport(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    entity: EntityName
    kind: ErrorKind
    message: Annotated[str, StringConstraints(max_length=300), STORABLE] = ""


class ErrorsEvent(Event):
    url: Annotated[str, StringConstraints(max_length=4096), STORABLE] = ""
    errors: list[EntityErrorReport] = Field(min_length=1, max_length=20)


def parse(model: type[BaseModel], body: bytes) -> BaseModel:
    """The event in ``body``. pydantic's JSON parser refuses an escaped lone surrogate
    (``"\\ud800"``) as invalid JSON or as a string it cannot decode; Python's accepts it,
    so such a body is read again with it and cleaned like any other text rather than
    refused whole. Only that rare body pays for the second parse."""
    try:
        return model.model_validate_json(body)
    except ValueError as error:
        if not has_invalid_json(error):
            raise
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):  # nested thousands deep: invalid all the same
            raise error from None
        # pydantic cannot take a lone surrogate from Python either: clean before validating.
        return model.model_validate(storable_document(document))


def has_invalid_json(error: ValueError) -> bool:
    errors = getattr(error, "errors", None)
    return callable(errors) and any(item["type"] in UNPARSED for item in errors())


UNPARSED = frozenset(("json_invalid", "string_unicode"))


def storable_document(document: Any) -> Any:
    """A parsed JSON document with every text (keys too) made storable."""
    if isinstance(document, str):
        return storable(document)
    if isinstance(document, list):
        return [storable_document(item) for item in document]
    if isinstance(document, dict):
        return {storable(key): storable_document(value) for key, value in document.items()}
    return document


def redacted(
    event: PageViewEvent | PingEvent | ErrorsEvent, policy: Policy
) -> PageViewEvent | PingEvent | ErrorsEvent:
    """The event as it may be stored: its URL, referrer, title, values and error texts under
    the project's privacy rules (privacy/redaction.py). The one place the collector applies
    them, before the journal or any table sees the event; the same event when nothing
    changes, so the common page view costs no copy."""
    if not policy.redact and not policy.entities:
        return event  # redaction off and no entity hashed: stored as sent
    changes: dict[str, Any] = {}
    if isinstance(event, ErrorsEvent):
        changes["url"] = policy.url(event.url)
        changes["errors"] = [
            error.model_copy(update={"message": policy.text(error.message)})
            if policy.text(error.message) != error.message
            else error
            for error in event.errors
        ]
    else:
        if event.values:
            changes["values"] = {
                name: policy.value(name, value) for name, value in event.values.items()
            }
        if isinstance(event, PageViewEvent):
            changes["url"] = policy.url(event.url)
            changes["referrer"] = policy.url(event.referrer)
            changes["title"] = policy.text(event.title)
    different = {name: value for name, value in changes.items() if value != getattr(event, name)}
    return event.model_copy(update=different) if different else event
