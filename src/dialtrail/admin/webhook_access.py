"""The webhook an admin page is about, resolved once for every route under
``/projects/{project_id}/webhooks/{webhook_id}``: who asks, the project (readable, or writable
with the form's CSRF token checked), the webhook and the database session.

The REST API does the same with deliveries_api.ReadableWebhook / WritableWebhook; here the
routes also need the request and the signed-in person to draw the page, so they come along.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from dialtrail.admin.auth import (
    Admin,
    CheckedForm,
    ReadableProject,
    SignedIn,
    WritableProject,
    clock_of,
)
from dialtrail.admin.rendering import redirect, render
from dialtrail.api.database import DatabaseSession
from dialtrail.projects.models import Project
from dialtrail.secrets import SecretBox
from dialtrail.webhooks import service
from dialtrail.webhooks.api import allow_private, secret_box
from dialtrail.webhooks.models import Webhook
from dialtrail.webhooks.schemas import WebhookId


@dataclass
class AdminWebhook:
    request: Request
    admin: Admin
    project: Project
    webhook: Webhook
    db: Session
    posted: dict[str, str] = field(default_factory=dict)  # the CSRF-checked form of a write

    @property
    def base(self) -> str:
        return f"/admin/projects/{self.project.id}/webhooks/{self.webhook.id}"

    @cached_property
    def box(self) -> SecretBox:
        # Made on first use: most pages never open a sealed value.
        return secret_box(self.request)

    @property
    def private_targets(self) -> bool:
        return allow_private(self.request)

    def now(self) -> datetime:
        return clock_of(self.request)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return render(
            self.request,
            template,
            status,
            admin=self.admin,
            project=self.project,
            # An integration's pages (GA4, Matomo) sit under Integrations in the menu.
            section="webhooks" if self.webhook.kind == "webhook" else "integrations",
            webhook=self.webhook,
            **context,
        )

    def redirect(self, url: str) -> RedirectResponse:
        return redirect(self.request, url)


def readable_webhook(
    request: Request,
    admin: SignedIn,
    access: ReadableProject,
    webhook_id: WebhookId,
    db: DatabaseSession,
) -> AdminWebhook:
    webhook = service.find_webhook(db, access.project, webhook_id)
    return AdminWebhook(request, admin, access.project, webhook, db)


def writable_webhook(
    request: Request,
    admin: SignedIn,
    posted: CheckedForm,
    access: WritableProject,
    webhook_id: WebhookId,
    db: DatabaseSession,
) -> AdminWebhook:
    # The CSRF check comes before the access check, as on every other admin form.
    webhook = service.find_webhook(db, access.project, webhook_id)
    return AdminWebhook(request, admin, access.project, webhook, db, posted)


ReadableWebhook = Annotated[AdminWebhook, Depends(readable_webhook)]
WritableWebhook = Annotated[AdminWebhook, Depends(writable_webhook)]
