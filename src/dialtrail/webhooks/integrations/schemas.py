"""Request and response bodies of ``/api/v1/projects/{id}/integrations`` (docs/integrations.md).

An integration is a webhook row of another kind, so events, filters and parameters are the
webhooks' own shapes; what is particular to each tool is its settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from dialtrail.api.schemas import RequestBody
from dialtrail.webhooks.integrations import ga4, matomo
from dialtrail.webhooks.rules import check_url
from dialtrail.webhooks.schemas import (
    ConstantParameterOut,
    Filter,
    FilterOut,
    MappedParameterOut,
    Parameter,
    WebhookName,
)

IntegrationEvent = Literal["call.started", "call.completed"]
INTEGRATION_EVENTS: tuple[IntegrationEvent, ...] = get_args(IntegrationEvent)
Secret = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Each tool's rules on its own settings, checked with the request's other fields so that a form
# shows every problem at once (the private-address guard needs the server's setting: service.py).
MeasurementId = Annotated[str, AfterValidator(ga4.check_measurement_id)]
EventName = Annotated[str, AfterValidator(ga4.check_event_name)]
Endpoint = Annotated[str, AfterValidator(ga4.check_endpoint)]
MatomoUrl = Annotated[str, AfterValidator(check_url)]
Token = Annotated[Secret, AfterValidator(matomo.check_token)]


class Ga4Parameter(Parameter):
    name: Annotated[str, AfterValidator(ga4.check_parameter_name)] = Field(
        description="As GA4 takes it: a letter first, then letters, digits and underscores, at "
        "most 40 characters, not reserved.",
        examples=["visit_id"],
    )
    constant: Annotated[Any, AfterValidator(ga4.check_constant)] = Field(
        None, description="A fixed value: text of at most 100 characters, a number, or a yes/no."
    )


class MatomoParameter(Parameter):
    name: Annotated[str, AfterValidator(matomo.check_parameter_name)] = Field(
        description="e_c, e_a, e_n, e_v or dimension<ID>.", examples=["dimension3"]
    )


Events = Annotated[
    list[IntegrationEvent],
    Field(min_length=1, description="call.started and/or call.completed."),
]


def completed_only() -> list[IntegrationEvent]:
    return ["call.completed"]


class Ga4Fields(RequestBody):
    filters: list[Filter] | None = Field(None, max_length=20)
    parameters: list[Ga4Parameter] | None = Field(
        None,
        max_length=100,  # GA4's limit is checked on save, naming the place it is passed
        description=f"At most {ga4.MAX_PARAMETERS}: GA4 takes 25 per event, and Dialtrail "
        "sends session_id, session_number and engagement_time_msec itself.",
    )
    event_name: EventName | None = Field(None, description="Default phone_call.")
    endpoint: Endpoint | None = Field(
        None,
        description="global (default), eu, or the https:// address of a server-side Tag "
        "Manager container.",
    )
    enabled: bool | None = None


class Ga4Create(Ga4Fields):
    name: WebhookName = "Google Analytics 4"
    events: Events = Field(default_factory=completed_only)
    measurement_id: MeasurementId = Field(examples=["G-K3Q9ZL2M7P"])
    api_secret: Secret = Field(description="Write-only: shown masked after saving.")


class Ga4Update(Ga4Fields):
    name: WebhookName | None = None
    events: Events | None = None
    measurement_id: MeasurementId | None = None
    api_secret: Secret | None = None


class MatomoFields(RequestBody):
    filters: list[Filter] | None = Field(None, max_length=20)
    parameters: list[MatomoParameter] | None = Field(
        None,
        max_length=100,
        description="e_c, e_a, e_n, e_v and dimension<ID>, each a catalogue value or a "
        "constant; default: e_c 'Phone calls', e_a call.disposition.",
    )
    enabled: bool | None = None


class MatomoCreate(MatomoFields):
    name: WebhookName = "Matomo"
    events: Events = Field(default_factory=completed_only)
    url: MatomoUrl = Field(
        description="The Matomo installation's address.", examples=["https://matomo.example.com"]
    )
    site_id: int = Field(ge=1, le=2**31 - 1)
    token_auth: Token = Field(description="Write-only: shown masked after saving.")


class MatomoUpdate(MatomoFields):
    name: WebhookName | None = None
    events: Events | None = None
    url: MatomoUrl | None = None
    site_id: int | None = Field(None, ge=1, le=2**31 - 1)
    token_auth: Token | None = None


class IntegrationOut(BaseModel):
    id: int = Field(description="Also the id of its deliveries log: /webhooks/{id}/deliveries.")
    project_id: int
    kind: Literal["ga4", "matomo"]
    name: str
    events: list[str]
    url: str = Field(description="Where its requests go (GA4: without the query).")
    parameters: list[MappedParameterOut | ConstantParameterOut]
    filters: list[FilterOut]
    settings: dict[str, Any] = Field(description="The tool's settings; secrets masked.")
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


class IntegrationList(BaseModel):
    items: list[IntegrationOut]
