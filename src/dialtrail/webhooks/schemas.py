"""Request and response bodies of the webhooks configuration API and the field catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from dialtrail.api.schemas import RequestBody, id_parameter
from dialtrail.described import FieldType
from dialtrail.webhooks import rules
from dialtrail.webhooks.models import Format, Method, WebhookEvent

WebhookId = Annotated[int, id_parameter("The webhook's id.")]

WebhookName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(description="Free text, 1 to 200 characters.", examples=["CRM: completed calls"]),
]
Operator = Literal[
    "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "exists", "not_exists"
]


class Parameter(RequestBody):
    name: str = Field(
        description="Free text (spaces, any script, brackets), 1 to 200 characters; unique "
        "within the webhook, compared exactly (case matters).",
        examples=["visit id"],
    )
    value: str | None = Field(
        None,
        description="A key of the field catalogue (GET …/webhook-fields), such as "
        "visit.ga_client_id or entity.visit_id. Give value or constant.",
        examples=["entity.visit_id"],
    )
    constant: Any = Field(
        None, description="A fixed value sent as it is: text, a number, true or false."
    )


class Filter(RequestBody):
    field: str = Field(description="A catalogue key.", examples=["call.disposition"])
    op: Operator
    value: Any = Field(
        None,
        description="Of the field's type; a list for in/not_in; left out for exists/not_exists.",
        examples=["answered"],
    )


class WebhookFields(RequestBody):
    method: Method | None = Field(None, description="POST (default), PUT, PATCH or GET.")
    format: Format | None = Field(
        None, description="json (default), form or query; GET always sends query."
    )
    parameters: list[Parameter] | None = Field(None, max_length=rules.MAX_PARAMETERS)
    headers: dict[str, str] | None = Field(
        None,
        max_length=rules.MAX_HEADERS,
        description="Extra request headers; values are shown masked after saving.",
        examples=[{"Authorization": "Bearer crm-token-123456"}],
    )
    filters: list[Filter] | None = Field(None, max_length=rules.MAX_FILTERS)
    date_format: str | None = Field(
        None, description="iso8601 (default), unix, unix_ms or a strftime pattern."
    )
    enabled: bool | None = None


class WebhookCreate(WebhookFields):
    name: WebhookName
    events: list[WebhookEvent] = Field(min_length=1)
    url: str = Field(description="http:// or https://", examples=["https://crm.example.com/hook"])


class WebhookUpdate(WebhookFields):
    name: WebhookName | None = None
    events: list[WebhookEvent] | None = Field(None, min_length=1)
    url: str | None = None


class MappedParameterOut(BaseModel):
    name: str
    value: str


class ConstantParameterOut(BaseModel):
    name: str
    constant: str | bool | int | float


class FilterOut(BaseModel):
    field: str
    op: Operator
    value: Any = Field(description="null for exists and not_exists.")


class WebhookOut(BaseModel):
    id: int
    project_id: int
    name: str
    events: list[WebhookEvent]
    url: str
    method: Method
    format: Format
    parameters: list[MappedParameterOut | ConstantParameterOut]
    headers: dict[str, str] = Field(description="Values masked: •••• and the last 4 characters.")
    filters: list[FilterOut]
    date_format: str
    enabled: bool
    disabled_reason: str | None = Field(
        description="Why Dialtrail disabled it (410 Gone, 5 days of failures); null otherwise."
    )
    failing_since: datetime | None = Field(description="Start of the current run of failures.")
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="The signing secret (whsec_…). Shown in this answer only: keep it now."
    )


class WebhookUpdated(WebhookOut):
    notices: list[str] = Field(
        description="What the change did besides what was asked, in words; empty mostly."
    )
    dropped_headers: list[str] = Field(
        description="Headers whose stored values were removed because the URL moved to "
        "another origin (scheme, host or port) and the request did not give them again."
    )
    secret: str | None = Field(
        description="The new signing secret (whsec_…) when the URL moved to another origin; "
        "shown in this answer only. null otherwise."
    )


class WebhookList(BaseModel):
    items: list[WebhookOut]
    limit_per_event: int = Field(description="How many webhooks one event may have.")


class CatalogueFieldOut(BaseModel):
    key: str
    type: FieldType
    description: str
    example: str | int | bool
    operators: list[str] = Field(description="The filter operators this field accepts.")


class CatalogueGroupOut(BaseModel):
    key: str = Field(examples=["call"])
    title: str = Field(examples=["Call"])
    fields: list[CatalogueFieldOut]


class CatalogueOut(BaseModel):
    groups: list[CatalogueGroupOut]
