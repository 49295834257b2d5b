"""``/api/v1/projects/{id}/integrations``: GA4 and Matomo (docs/integrations.md). Their
deliveries log, preview, test send and error page are the webhooks' own, under
``/webhooks/{id}/…`` with the integration's id."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import not_found
from dialtrail.api.schemas import ProjectId
from dialtrail.projects.access import readable_project, writable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.secrets import SecretBox
from dialtrail.webhooks import service as webhooks
from dialtrail.webhooks.api import AllowPrivate, Box, parameter_out
from dialtrail.webhooks.integrations import service
from dialtrail.webhooks.integrations.schemas import (
    Ga4Create,
    Ga4Update,
    IntegrationList,
    IntegrationOut,
    MatomoCreate,
    MatomoUpdate,
)
from dialtrail.webhooks.models import Webhook
from dialtrail.webhooks.schemas import FilterOut, WebhookId

router = APIRouter(prefix="/projects/{project_id}/integrations", tags=["integrations"])
KINDS = ("ga4", "matomo")


@router.get("", summary="List a project's GA4 and Matomo integrations")
def list_integrations(
    project_id: ProjectId, user: CurrentUser, session: DatabaseSession, box: Box
) -> IntegrationList:
    project = readable_project(session, user, project_id).project
    found = webhooks.list_webhooks(session, project, kind=None)
    return IntegrationList(items=[out(item, box) for item in found if item.kind in KINDS])


@router.post("/ga4", status_code=201, summary="Send calls to Google Analytics 4")
def create_ga4(
    project_id: ProjectId,
    body: Ga4Create,
    user: CurrentUser,
    session: DatabaseSession,
    box: Box,
    private_targets: AllowPrivate,
) -> IntegrationOut:
    return created(project_id, "ga4", body, user, session, box, private_targets)


@router.post("/matomo", status_code=201, summary="Send calls to Matomo")
def create_matomo(
    project_id: ProjectId,
    body: MatomoCreate,
    user: CurrentUser,
    session: DatabaseSession,
    box: Box,
    private_targets: AllowPrivate,
) -> IntegrationOut:
    return created(project_id, "matomo", body, user, session, box, private_targets)


def created(
    project_id: int,
    kind: str,
    body: Ga4Create | MatomoCreate,
    user: Any,
    session: DatabaseSession,
    box: SecretBox,
    private_targets: bool,
) -> IntegrationOut:
    project = writable_project(session, user, project_id).project
    integration = service.create(session, project, kind, body, box, private_targets)
    session.commit()
    return out(integration, box)


@router.get("/{integration_id}", summary="Show an integration")
def show_integration(
    project_id: ProjectId,
    integration_id: WebhookId,
    user: CurrentUser,
    session: DatabaseSession,
    box: Box,
) -> IntegrationOut:
    project = readable_project(session, user, project_id).project
    return out(found(session, project, integration_id), box)


@router.patch("/{integration_id}/ga4", summary="Change a GA4 integration")
def update_ga4(
    project_id: ProjectId,
    integration_id: WebhookId,
    body: Ga4Update,
    user: CurrentUser,
    session: DatabaseSession,
    box: Box,
    private_targets: AllowPrivate,
) -> IntegrationOut:
    return updated(project_id, integration_id, "ga4", body, user, session, box, private_targets)


@router.patch("/{integration_id}/matomo", summary="Change a Matomo integration")
def update_matomo(
    project_id: ProjectId,
    integration_id: WebhookId,
    body: MatomoUpdate,
    user: CurrentUser,
    session: DatabaseSession,
    box: Box,
    private_targets: AllowPrivate,
) -> IntegrationOut:
    return updated(project_id, integration_id, "matomo", body, user, session, box, private_targets)


def updated(
    project_id: int,
    integration_id: int,
    kind: str,
    body: Ga4Update | MatomoUpdate,
    user: Any,
    session: DatabaseSession,
    box: SecretBox,
    private_targets: bool,
) -> IntegrationOut:
    project = writable_project(session, user, project_id).project
    integration = webhooks.find_webhook(session, project, integration_id, kind)
    service.update(session, project, integration, body, box, private_targets)
    session.commit()
    return out(integration, box)


@router.delete("/{integration_id}", status_code=204, summary="Delete an integration")
def delete_integration(
    project_id: ProjectId,
    integration_id: WebhookId,
    user: CurrentUser,
    session: DatabaseSession,
) -> Response:
    project = writable_project(session, user, project_id).project
    session.delete(found(session, project, integration_id))
    session.commit()
    return Response(status_code=204)


def found(session: DatabaseSession, project: Any, integration_id: int) -> Webhook:
    integration = webhooks.find_webhook(session, project, integration_id)
    if integration.kind not in KINDS:
        raise not_found(f"integration {integration_id}")
    return integration


def out(integration: Webhook, box: SecretBox) -> IntegrationOut:
    return IntegrationOut(
        id=integration.id,
        project_id=integration.project_id,
        kind=integration.kind,
        name=integration.name,
        events=integration.events,
        url=integration.url,
        parameters=[parameter_out(parameter) for parameter in integration.parameters],
        filters=[FilterOut(**condition) for condition in integration.filters],
        settings=service.public_settings(integration, box),
        enabled=integration.enabled,
        disabled_reason=integration.disabled_reason,
        failing_since=integration.failing_since,
        created_at=integration.created_at,
        updated_at=integration.updated_at,
    )
