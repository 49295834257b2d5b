"""Integrations → Webhooks 2.0: the list, the editor (add and edit), a webhook's page with its
signing secret shown once, secret rotation and delete.

Adding a webhook and rotating its secret are Post/Redirect/Get: the post keeps the new secret
(admin/flash.py) and answers 303 to the webhook's page, which shows it once, so reloading that
page neither shows it again nor adds a second webhook.

Forms are read by admin/webhook_form.py into the body the REST API takes, validated by the
API's request models and saved by webhooks.service, so every rule and message is the API's;
the deliveries, preview and test pages are in admin/webhook_deliveries.py.
"""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dialtrail.admin import webhook_form
from dialtrail.admin.auth import (
    Admin,
    CheckedForm,
    ReadableProject,
    SignedIn,
    WritableProject,
)
from dialtrail.admin.flash import flash, keep_once, take_once
from dialtrail.admin.forms import FormErrors
from dialtrail.admin.rendering import redirect, render
from dialtrail.admin.webhook_access import AdminWebhook, ReadableWebhook, WritableWebhook
from dialtrail.admin.webhook_form import FilterRow, HeaderRow, ParameterRow, WebhookForm
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError
from dialtrail.entities import service as entities
from dialtrail.projects.models import Project
from dialtrail.webhooks import failing, operations, rules, service
from dialtrail.webhooks.api import AllowPrivate, Box
from dialtrail.webhooks.fields import FieldGroup, catalogue_groups
from dialtrail.webhooks.filters import OPERATORS_BY_TYPE
from dialtrail.webhooks.models import WEBHOOK_EVENTS, Webhook
from dialtrail.webhooks.schemas import Operator, WebhookCreate, WebhookUpdate

router = APIRouter(prefix="/projects/{project_id}/webhooks")

OPERATOR_LABELS: dict[str, str] = {
    "eq": "is",
    "ne": "is not",
    "in": "is one of (commas between)",
    "not_in": "is none of (commas between)",
    "gt": "is more than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "contains": "contains",
    "exists": "has a value",
    "not_exists": "has no value",
}
assert set(OPERATOR_LABELS) == set(get_args(Operator))  # a new operator needs its label
ROW_KINDS = {"parameters": ParameterRow, "headers": HeaderRow, "filters": FilterRow}


def webhook_base(project: Project) -> str:
    return f"/admin/projects/{project.id}/webhooks"


@router.get("")
def webhook_list(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    webhooks = service.list_webhooks(db, access.project)
    enabled = service.entities_enabled(db, access.project)
    return render(
        request,
        "webhooks/list.html",
        admin=admin,
        project=access.project,
        section="webhooks",
        webhooks=webhooks,
        stale={webhook.id: service.stale_references(webhook, enabled) for webhook in webhooks},
        counts=operations.delivery_counts(db, access.project),
        failing_now=failing.failing_now(db, access.project),
        limit=rules.MAX_WEBHOOKS_PER_EVENT,
    )


# --- The editor ----------------------------------------------------------------------------


def editor(
    request: Request,
    admin: Admin,
    project: Project,
    db: Session,
    form: WebhookForm,
    errors: FormErrors | None = None,
    webhook: Webhook | None = None,
) -> Response:
    groups = catalogue_groups(entity.name for entity in entities.list_entities(db, project))
    return render(
        request,
        "webhooks/form.html",
        422 if errors else 200,
        admin=admin,
        project=project,
        section="webhooks",
        form=form,
        errors=errors or FormErrors(),
        webhook=webhook,
        groups=groups,
        known_keys=known_keys(groups),
        operators=OPERATOR_LABELS,
        operators_by_type={
            kind: ", ".join(OPERATOR_LABELS[op] for op in ops)
            for kind, ops in OPERATORS_BY_TYPE.items()
        },
        events=WEBHOOK_EVENTS,
        date_examples=webhook_form.date_examples(project.timezone),
    )


def known_keys(groups: list[FieldGroup]) -> set[str]:
    # A key outside these (an entity renamed with ?force=true) is still offered, marked, so the
    # select shows what is stored instead of silently picking another field.
    return {field.key for group in groups for field in group.fields}


def row_action(form: WebhookForm, action: str) -> bool:
    """Add or remove a row (the buttons work without JavaScript); False for "save"."""
    verb, _, rest = action.partition(":")
    kind, _, index = rest.partition(":")
    if kind not in ROW_KINDS:
        return False
    rows: list[Any] = getattr(form, kind)
    if verb == "add":
        rows.append(ROW_KINDS[kind]())
        return True
    if verb == "remove" and index.isdigit() and int(index) < len(rows):
        del rows[int(index)]
        return True
    return False


@router.get("/new")
def new_webhook(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    return editor(request, admin, access.project, db, WebhookForm())


@router.post("/new")
def create_webhook(
    request: Request,
    admin: SignedIn,
    posted: CheckedForm,
    access: WritableProject,
    db: DatabaseSession,
    box: Box,
    private_targets: AllowPrivate,
) -> Response:
    form = webhook_form.parse_form(posted)
    if row_action(form, posted.get("action", "save")):
        return editor(request, admin, access.project, db, form)
    fields, rows = webhook_form.api_fields(form)
    try:
        body = WebhookCreate.model_validate(fields)
        webhook, secret = service.create_webhook(db, access.project, body, box, private_targets)
    except (ValidationError, ApiError) as error:
        db.rollback()
        errors = webhook_form.row_errors(error, rows)
        return editor(request, admin, access.project, db, form, errors)
    keep_once(request, admin, db, secret_kind(webhook.id), {"secret": secret})
    db.commit()
    return redirect(request, f"{webhook_base(access.project)}/{webhook.id}")


@router.get("/{webhook_id}/edit")
def edit_webhook(hook: ReadableWebhook) -> Response:
    form = webhook_form.form_of(hook.webhook, service.masked_headers(hook.webhook, hook.box))
    return webhook_editor(hook, form)


@router.post("/{webhook_id}/edit")
def update_webhook(hook: WritableWebhook) -> Response:
    form = webhook_form.parse_form(hook.posted)
    if row_action(form, hook.posted.get("action", "save")):
        return webhook_editor(hook, form)
    fields, rows = webhook_form.api_fields(form)
    webhook_id = hook.webhook.id
    try:
        body = WebhookUpdate.model_validate(fields)
        change = service.update_webhook(
            hook.db, hook.project, hook.webhook, body, hook.box, hook.private_targets
        )
    except (ValidationError, ApiError) as error:
        hook.db.rollback()
        hook.webhook = service.find_webhook(hook.db, hook.project, webhook_id, "webhook")
        return webhook_editor(hook, form, webhook_form.row_errors(error, rows))
    for notice in change.notices():
        flash(hook.request, hook.admin, hook.db, notice)
    if change.new_secret:
        kept = {"secret": change.new_secret}
        keep_once(hook.request, hook.admin, hook.db, secret_kind(webhook_id), kept)
    hook.db.commit()
    return hook.redirect(hook.base)


def webhook_editor(
    hook: AdminWebhook, form: WebhookForm, errors: FormErrors | None = None
) -> Response:
    return editor(hook.request, hook.admin, hook.project, hook.db, form, errors, hook.webhook)


# --- A webhook's page ------------------------------------------------------------------------


def webhook_page(hook: AdminWebhook, **shown_once: Any) -> Response:
    return hook.render(
        "webhooks/detail.html",
        headers=service.masked_headers(hook.webhook, hook.box),
        counts=operations.delivery_counts(hook.db, hook.project).get(hook.webhook.id, {}),
        operators=OPERATOR_LABELS,
        stale=service.stale_references(
            hook.webhook, service.entities_enabled(hook.db, hook.project)
        ),
        secret=shown_once.get("secret"),
        rotated_until=shown_once.get("rotated_until"),
    )


def secret_kind(webhook_id: int) -> str:
    # One kind per webhook: opening another webhook's page first does not use up the secret.
    return f"webhook_secret:{webhook_id}"


@router.get("/{webhook_id}")
def show_webhook(hook: ReadableWebhook) -> Response:
    if hook.webhook.kind != "webhook":  # an integration: its own form is its page
        return hook.redirect(
            f"/admin/projects/{hook.project.id}/integrations/{hook.webhook.id}/edit"
        )
    kept = take_once(hook.request, hook.admin, hook.db, secret_kind(hook.webhook.id))
    hook.db.commit()  # taken: a reload shows the page without the secret
    return webhook_page(hook, **(kept or {}))


@router.post("/{webhook_id}/rotate-secret")
def rotate_secret(hook: WritableWebhook) -> Response:
    fresh = operations.rotate_secret(hook.webhook, hook.box, hook.now())
    until = hook.webhook.previous_secret_until
    assert until is not None  # rotate_secret sets it
    kept = {"secret": fresh, "rotated_until": until.isoformat()}
    keep_once(hook.request, hook.admin, hook.db, secret_kind(hook.webhook.id), kept)
    hook.db.commit()
    return hook.redirect(hook.base)


@router.post("/{webhook_id}/delete")
def delete_webhook(hook: WritableWebhook) -> Response:
    hook.db.delete(hook.webhook)
    hook.db.commit()
    return hook.redirect(webhook_base(hook.project))
