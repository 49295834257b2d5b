"""``/api/v1/projects/{id}/webhooks/{wid}/…``: deliveries and their attempts, resend and
dismiss (the error page), retry now (deliveries failing now), preview, test send and secret
rotation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dialtrail.api.database import DatabaseSession, Now
from dialtrail.api.schemas import ProjectId
from dialtrail.outbound import Outbound
from dialtrail.projects.access import readable_project, writable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.projects.models import Project
from dialtrail.secrets import SecretBox
from dialtrail.webhooks import failing, operations, service
from dialtrail.webhooks.api import Box
from dialtrail.webhooks.delivery_schemas import (
    AttemptOut,
    CallNumber,
    Counted,
    DeliveryDetail,
    DeliveryId,
    DeliveryList,
    DeliveryOut,
    DeliverySearch,
    Moment,
    RequestOut,
    ResponseOut,
    RotatedSecret,
    Since,
    TestOut,
    TryBody,
)
from dialtrail.webhooks.models import DeliveryStatus, Webhook, WebhookEvent
from dialtrail.webhooks.render import RenderedRequest
from dialtrail.webhooks.schemas import WebhookId
from dialtrail.webhooks.wakeup import WAKEUP

router = APIRouter(prefix="/projects/{project_id}/webhooks/{webhook_id}", tags=["webhooks"])


def readable_webhook(
    project_id: ProjectId, webhook_id: WebhookId, user: CurrentUser, session: DatabaseSession
) -> Webhook:
    project = readable_project(session, user, project_id).project
    return service.find_webhook(session, project, webhook_id)


def writable_webhook(
    project_id: ProjectId, webhook_id: WebhookId, user: CurrentUser, session: DatabaseSession
) -> Webhook:
    project = writable_project(session, user, project_id).project
    return service.find_webhook(session, project, webhook_id)


ReadableWebhook = Annotated[Webhook, Depends(readable_webhook)]
WritableWebhook = Annotated[Webhook, Depends(writable_webhook)]


def project_of(session: Session, webhook: Webhook) -> Project:
    project = session.get(Project, webhook.project_id)
    assert project is not None  # a webhook's project outlives it (ON DELETE CASCADE)
    return project


def delivery_search(
    status: DeliveryStatus | None = None,
    event: WebhookEvent | None = None,
    call_id: Annotated[CallNumber | None, Query(description="A call's id.")] = None,
    since: Annotated[Moment | None, Query(description="Created at or after (ISO 8601).")] = None,
    until: Annotated[Moment | None, Query(description="Created before (ISO 8601).")] = None,
) -> DeliverySearch:
    # One query parameter each (not a query model), so that OpenAPI and the check of unknown
    # parameters see them by name; the types are DeliverySearch's, already checked here.
    return DeliverySearch.model_construct(
        status=status, event=event, call_id=call_id, since=since, until=until
    )


@router.get("/deliveries", summary="A webhook's deliveries, newest first")
def list_deliveries(
    webhook: ReadableWebhook,
    session: DatabaseSession,
    search: Annotated[DeliverySearch, Depends(delivery_search)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> DeliveryList:
    filters = search.filters()
    found = operations.list_deliveries(session, webhook, filters, limit + 1, cursor)
    page = found[:limit]
    next_cursor = page[-1].id if len(found) > limit else None
    return DeliveryList(items=[DeliveryOut.build(d) for d in page], next_cursor=next_cursor)


@router.get("/deliveries/{delivery_id}", summary="One delivery with every attempt")
def show_delivery(
    webhook: ReadableWebhook, delivery_id: DeliveryId, session: DatabaseSession
) -> DeliveryDetail:
    delivery = operations.find_delivery(session, webhook, delivery_id)
    attempts = [AttemptOut.build(a) for a in operations.attempts_of(session, delivery)]
    return DeliveryDetail(**DeliveryOut.build(delivery).model_dump(), attempts_log=attempts)


@router.post("/deliveries/{delivery_id}/resend", summary="Send a delivery again")
def resend_delivery(
    webhook: WritableWebhook, delivery_id: DeliveryId, session: DatabaseSession, now: Now
) -> DeliveryOut:
    delivery = operations.find_delivery(session, webhook, delivery_id)
    operations.resend(webhook, delivery, now)
    session.commit()
    WAKEUP.notify()
    return DeliveryOut.build(delivery)


@router.post(
    "/deliveries/{delivery_id}/retry-now",
    summary="Try a pending delivery now, keeping its retry schedule",
)
def retry_delivery_now(
    webhook: WritableWebhook, delivery_id: DeliveryId, session: DatabaseSession, now: Now
) -> DeliveryOut:
    delivery = operations.find_delivery(session, webhook, delivery_id)
    failing.retry_now(webhook, delivery, now)
    session.commit()
    WAKEUP.notify()
    return DeliveryOut.build(delivery)


@router.post("/deliveries/retry-now", summary="Try every delivery failing now, now")
def retry_all_now(webhook: WritableWebhook, session: DatabaseSession, now: Now) -> Counted:
    count = failing.retry_all_now(session, webhook, now)
    session.commit()
    WAKEUP.notify()
    return Counted(count=count)


@router.post("/deliveries/{delivery_id}/dismiss", summary="Dismiss a failed delivery")
def dismiss_delivery(
    webhook: WritableWebhook, delivery_id: DeliveryId, session: DatabaseSession, now: Now
) -> DeliveryOut:
    delivery = operations.find_delivery(session, webhook, delivery_id)
    operations.dismiss(delivery, now)
    session.commit()
    return DeliveryOut.build(delivery)


@router.post("/deliveries/resend", summary="Resend every failed delivery (since a time)")
def resend_failed(
    webhook: WritableWebhook, body: Since, session: DatabaseSession, now: Now
) -> Counted:
    count = operations.resend_failed(session, webhook, body.since, now)
    session.commit()
    WAKEUP.notify()
    return Counted(count=count)


@router.post("/deliveries/dismiss", summary="Dismiss every failed delivery (since a time)")
def dismiss_failed(
    webhook: WritableWebhook, body: Since, session: DatabaseSession, now: Now
) -> Counted:
    count = operations.dismiss_failed(session, webhook, body.since, now)
    session.commit()
    return Counted(count=count)


@router.post("/preview", summary="Render the webhook's request without sending it")
def preview(
    webhook: ReadableWebhook, body: TryBody, box: Box, session: DatabaseSession, now: Now
) -> RequestOut:
    # As the admin's Preview: with the headers a send adds (signature, id, User-Agent).
    as_sent = operations.signed(
        webhook, rendered(webhook, body, box, session, now), box, now, "preview"
    )
    return RequestOut.build(as_sent, operations.masked_headers(as_sent, webhook))


def rendered(
    webhook: Webhook,
    body: TryBody,
    box: SecretBox,
    session: Session,
    now: datetime,
    validate: bool = False,
) -> RenderedRequest:
    """The webhook's request for the given call, or for a sample."""
    project = project_of(session, webhook)
    data = operations.sample_or_call_data(session, project, body.call_id)
    return operations.preview(webhook, project, box, data, now, validate)


def rendered_and_released(
    webhook: Webhook, body: TryBody, box: SecretBox, session: Session, now: datetime
) -> RenderedRequest:
    request = rendered(webhook, body, box, session, now, validate=True)
    session.commit()  # release the project's lock before waiting on the receiver
    return request


@router.post("/test", summary="Send the webhook once, now, and show request and response")
async def test_send(
    webhook: WritableWebhook,
    body: TryBody,
    request: Request,
    box: Box,
    session: DatabaseSession,
    now: Now,
) -> TestOut:
    # On the thread pool, as in the sync routes: on SQLite a transaction may wait for the
    # write lock, which must not stall the event loop.
    rendered = await run_in_threadpool(rendered_and_released, webhook, body, box, session, now)
    outbound = Outbound(allow_private=request.app.state.settings.webhook_allow_private)
    try:
        result = await operations.test_send(webhook, rendered, box, outbound, now)
    finally:
        await outbound.close()
    response = None
    if result.status_code is not None:
        response = ResponseOut(
            status_code=result.status_code,
            headers=result.response_headers,
            body=result.response_body or "",
            latency_ms=result.latency_ms or 0,
        )
    shown = RequestOut.build(result.request, operations.masked_headers(result.request, webhook))
    return TestOut(request=shown, response=response, error=result.error)


@router.post("/rotate-secret", summary="A new signing secret; the old one signs for 24 h more")
def rotate_secret(
    webhook: WritableWebhook, box: Box, session: DatabaseSession, now: Now
) -> RotatedSecret:
    fresh = operations.rotate_secret(webhook, box, now)
    session.commit()
    assert webhook.previous_secret_until is not None
    return RotatedSecret(secret=fresh, previous_valid_until=webhook.previous_secret_until)
