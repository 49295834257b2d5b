"""``/api/v1/projects/{id}/webhooks`` (configuration) and ``/projects/{id}/webhook-fields``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from dialtrail.api.database import DatabaseSession
from dialtrail.api.schemas import ProjectId
from dialtrail.entities import service as entities
from dialtrail.projects.access import readable_project, writable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.secrets import SecretBox, secret_key
from dialtrail.webhooks import rules, service
from dialtrail.webhooks.fields import FieldGroup, catalogue_groups
from dialtrail.webhooks.filters import OPERATORS_BY_TYPE
from dialtrail.webhooks.models import Webhook
from dialtrail.webhooks.schemas import (
    CatalogueFieldOut,
    CatalogueGroupOut,
    CatalogueOut,
    ConstantParameterOut,
    FilterOut,
    MappedParameterOut,
    WebhookCreate,
    WebhookCreated,
    WebhookId,
    WebhookList,
    WebhookOut,
    WebhookUpdate,
    WebhookUpdated,
)

router = APIRouter(prefix="/projects/{project_id}", tags=["webhooks"])


def secret_box(request: Request) -> SecretBox:
    return SecretBox(secret_key(request.app.state.settings))


Box = Annotated[SecretBox, Depends(secret_box)]


def allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhook_allow_private)


AllowPrivate = Annotated[bool, Depends(allow_private)]


@router.get("/webhooks", summary="List a project's webhooks")
def list_webhooks(
    project_id: ProjectId, user: CurrentUser, session: DatabaseSession, box: Box
) -> WebhookList:
    project = readable_project(session, user, project_id).project
    webhooks = service.list_webhooks(session, project)
    return WebhookList(
        items=[webhook_out(webhook, box) for webhook in webhooks],
        limit_per_event=rules.MAX_WEBHOOKS_PER_EVENT,
    )


@router.post("/webhooks", status_code=201, summary="Add a webhook (its secret is shown once)")
def create_webhook(
    project_id: ProjectId,
    body: WebhookCreate,
    user: CurrentUser,
    session: DatabaseSession,
    box: Box,
    private_targets: AllowPrivate,
) -> WebhookCreated:
    project = writable_project(session, user, project_id).project
    webhook, secret = service.create_webhook(session, project, body, box, private_targets)
    session.commit()
    return WebhookCreated(**webhook_out(webhook, box).model_dump(), secret=secret)


@router.get("/webhooks/{webhook_id}", summary="Show a webhook")
def show_webhook(
    project_id: ProjectId,
    webhook_id: WebhookId,
    user: CurrentUser,
    session: DatabaseSession,
    box: Box,
) -> WebhookOut:
    project = readable_project(session, user, project_id).project
    return webhook_out(service.find_webhook(session, project, webhook_id, "webhook"), box)


@router.patch(
    "/webhooks/{webhook_id}",
    summary="Change a webhook (another origin drops stored header values and renews the secret)",
)
def update_webhook(
    project_id: ProjectId,
    webhook_id: WebhookId,
    body: WebhookUpdate,
    user: CurrentUser,
    session: DatabaseSession,
    box: Box,
    private_targets: AllowPrivate,
) -> WebhookUpdated:
    project = writable_project(session, user, project_id).project
    webhook = service.find_webhook(session, project, webhook_id, "webhook")
    change = service.update_webhook(session, project, webhook, body, box, private_targets)
    session.commit()
    return WebhookUpdated(
        **webhook_out(webhook, box).model_dump(),
        notices=change.notices(),
        dropped_headers=change.dropped_headers,
        secret=change.new_secret,
    )


@router.delete("/webhooks/{webhook_id}", status_code=204, summary="Delete a webhook")
def delete_webhook(
    project_id: ProjectId, webhook_id: WebhookId, user: CurrentUser, session: DatabaseSession
) -> Response:
    project = writable_project(session, user, project_id).project
    session.delete(service.find_webhook(session, project, webhook_id, "webhook"))
    session.commit()
    return Response(status_code=204)


@router.get("/webhook-fields", summary="The fields a webhook parameter or filter can use")
def webhook_fields(
    project_id: ProjectId, user: CurrentUser, session: DatabaseSession
) -> CatalogueOut:
    project = readable_project(session, user, project_id).project
    names = [entity.name for entity in entities.list_entities(session, project)]
    return CatalogueOut(groups=[group_out(group) for group in catalogue_groups(names)])


def group_out(group: FieldGroup) -> CatalogueGroupOut:
    fields = [
        CatalogueFieldOut(**asdict(field), operators=list(OPERATORS_BY_TYPE[field.type]))
        for field in group.fields
    ]
    return CatalogueGroupOut(key=group.key, title=group.title, fields=fields)


def webhook_out(webhook: Webhook, box: SecretBox) -> WebhookOut:
    return WebhookOut(
        id=webhook.id,
        project_id=webhook.project_id,
        name=webhook.name,
        events=webhook.events,
        url=webhook.url,
        method=webhook.method,
        format=webhook.format,
        parameters=[parameter_out(parameter) for parameter in webhook.parameters],
        headers=service.masked_headers(webhook, box),
        filters=[FilterOut(**condition) for condition in webhook.filters],
        date_format=webhook.date_format,
        enabled=webhook.enabled,
        disabled_reason=webhook.disabled_reason,
        failing_since=webhook.failing_since,
        created_at=webhook.created_at,
        updated_at=webhook.updated_at,
    )


def parameter_out(parameter: dict[str, Any]) -> MappedParameterOut | ConstantParameterOut:
    if "constant" in parameter:
        return ConstantParameterOut(**parameter)
    return MappedParameterOut(**parameter)
