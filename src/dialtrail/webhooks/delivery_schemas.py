"""Bodies of the deliveries, preview, test and secret-rotation endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    ValidationInfo,
    field_validator,
)

from dialtrail.api.schemas import MAX_ID, RequestBody, id_parameter
from dialtrail.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEvent
from dialtrail.webhooks.operations import DeliveryFilters
from dialtrail.webhooks.render import RenderedRequest

DeliveryId = Annotated[int, id_parameter("The delivery's id.")]


def in_utc(moment: datetime) -> datetime:
    # Stored times are UTC: a moment with no UTC year from 1 to 9999 could not be compared.
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("a time between the years 1 and 9999 in UTC") from None


Moment = Annotated[AwareDatetime, AfterValidator(in_utc)]
CallNumber = Annotated[int, Field(ge=1, le=MAX_ID)]


class DeliverySearch(BaseModel):
    """The deliveries list's filters: the API's query string (deliveries_api.delivery_search
    declares each with these types) and the admin log's form (validated here with
    ``context={"timezone": …}``, so a time typed without an offset is taken in the project's
    zone, the zone the log shows; the API asks for the offset)."""

    status: DeliveryStatus | None = None
    event: WebhookEvent | None = None
    call_id: CallNumber | None = None
    since: Moment | None = Field(None, description="Created at or after (ISO 8601 with an offset).")
    until: Moment | None = Field(None, description="Created before (ISO 8601 with an offset).")

    @field_validator("since", "until", mode="before")
    @classmethod
    def in_the_given_zone(cls, value: Any, info: ValidationInfo) -> Any:
        timezone = (info.context or {}).get("timezone")
        if not timezone or not isinstance(value, str):
            return value
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return value  # pydantic's own check names the problem
        return moment.replace(tzinfo=ZoneInfo(timezone)) if moment.tzinfo is None else moment

    def filters(self) -> DeliveryFilters:
        return DeliveryFilters(self.status, self.event, self.call_id, self.since, self.until)


class DeliveryOut(BaseModel):
    id: int
    event: str
    call_id: int | None
    webhook_id_header: str = Field(description="The webhook-id header: the same on every attempt.")
    status: DeliveryStatus
    attempts: int = Field(description="Every attempt made, as many as attempts_log lists.")
    attempts_in_schedule: int = Field(
        description="The attempts the retry schedule counts: since the latest resend, "
        "without those made by retry-now."
    )
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def build(cls, delivery: WebhookDelivery) -> DeliveryOut:
        return cls(
            id=delivery.id,
            event=delivery.event,
            call_id=delivery.call_id,
            webhook_id_header=delivery.message_id,
            status=delivery.status,
            attempts=delivery.attempts,
            attempts_in_schedule=delivery.attempts - delivery.unscheduled_attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
            finished_at=delivery.finished_at,
        )


class AttemptOut(BaseModel):
    attempted_at: datetime
    request_method: str
    request_url: str
    status_code: int | None
    latency_ms: int | None
    response_body: str | None = Field(description="The first 2 KB of the answer.")
    error: str | None

    @classmethod
    def build(cls, attempt: WebhookAttempt) -> AttemptOut:
        return cls(
            attempted_at=attempt.attempted_at,
            request_method=attempt.request_method,
            request_url=attempt.request_url,
            status_code=attempt.status_code,
            latency_ms=attempt.latency_ms,
            response_body=attempt.response_body,
            error=attempt.error,
        )


class DeliveryDetail(DeliveryOut):
    attempts_log: list[AttemptOut]


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
    next_cursor: int | None


class Since(RequestBody):
    since: Moment | None = Field(
        None,
        description="Only deliveries created at or after this time (ISO 8601 with an offset); "
        "all when absent.",
    )


class Counted(BaseModel):
    count: int


class TryBody(RequestBody):
    call_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="A stored call to render; a sample when absent."
    )


class RequestOut(BaseModel):
    method: str
    url: str
    headers: dict[str, str]
    body: str

    @classmethod
    def build(cls, request: RenderedRequest, headers: dict[str, str]) -> RequestOut:
        return cls(
            method=request.method,
            url=request.logged_url,
            headers=headers,
            body=request.logged_body.decode("utf-8", errors="replace"),
        )


class ResponseOut(BaseModel):
    status_code: int
    headers: dict[str, str]
    body: str
    latency_ms: int


class TestOut(BaseModel):
    request: RequestOut
    response: ResponseOut | None
    error: str | None


class RotatedSecret(BaseModel):
    secret: str = Field(description="Shown once. Both secrets sign until previous_valid_until.")
    previous_valid_until: datetime
