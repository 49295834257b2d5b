"""A webhook's deliveries in the admin UI: the log (status filter, newest first, paging), one
delivery with every attempt, the error page with resend / dismiss (one, or all failed since a
time), and *Preview* / *Test send* showing the exact request and what came back.

Everything goes through webhooks.operations, as the REST API's deliveries_api.py does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dialtrail.admin.auth import (
    Admin,
    CheckedForm,
    ReadableProject,
    SignedIn,
    WritableProject,
    clock_of,
)
from dialtrail.admin.forms import FormErrors
from dialtrail.admin.rendering import redirect, render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError, FieldProblem
from dialtrail.api.schemas import MAX_ID
from dialtrail.outbound import Outbound
from dialtrail.projects.models import Project
from dialtrail.webhooks import operations, service
from dialtrail.webhooks.api import Box
from dialtrail.webhooks.delivery_schemas import DeliveryId
from dialtrail.webhooks.models import STATUSES, Webhook
from dialtrail.webhooks.render import RenderedRequest
from dialtrail.webhooks.schemas import WebhookId
from dialtrail.webhooks.wakeup import WAKEUP

router = APIRouter(prefix="/projects/{project_id}/webhooks/{webhook_id}")

PAGE_SIZE = 50
Cursor = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def base(project: Project, webhook: Webhook) -> str:
    return f"/admin/projects/{project.id}/webhooks/{webhook.id}"


def deliveries_page(
    request: Request,
    admin: Admin,
    project: Project,
    db: Session,
    webhook: Webhook,
    filters: operations.DeliveryFilters,
    cursor: int | None,
    **context: Any,
) -> Response:
    found = operations.list_deliveries(db, webhook, filters, PAGE_SIZE + 1, cursor)
    page = found[:PAGE_SIZE]
    return render(
        request,
        context.pop("template", "webhooks/deliveries.html"),
        context.pop("status_code", 200),
        admin=admin,
        project=project,
        section="webhooks",
        webhook=webhook,
        deliveries=page,
        next_cursor=page[-1].id if len(found) > PAGE_SIZE else None,
        statuses=STATUSES,
        status_filter=filters.status or "",
        **context,
    )


@router.get("/deliveries")
def delivery_log(
    request: Request,
    admin: SignedIn,
    access: ReadableProject,
    webhook_id: WebhookId,
    db: DatabaseSession,
    status: Annotated[str, Query(max_length=20)] = "",
    cursor: Cursor = None,
) -> Response:
    webhook = service.find_webhook(db, access.project, webhook_id)
    errors = FormErrors()
    if status and status not in STATUSES:
        message = f"no such status; use one of {', '.join(STATUSES)}"
        errors.fields["status"] = FieldProblem("status", message)
        status = ""
    filters = operations.DeliveryFilters(status=status or None)
    return deliveries_page(
        request,
        admin,
        access.project,
        db,
        webhook,
        filters,
        cursor,
        errors=errors,
        status_code=422 if errors else 200,
    )


@router.get("/deliveries/{delivery_id}")
def delivery_detail(
    request: Request,
    admin: SignedIn,
    access: ReadableProject,
    webhook_id: WebhookId,
    delivery_id: DeliveryId,
    db: DatabaseSession,
) -> Response:
    webhook = service.find_webhook(db, access.project, webhook_id)
    delivery = operations.find_delivery(db, webhook, delivery_id)
    return render(
        request,
        "webhooks/delivery.html",
        admin=admin,
        project=access.project,
        section="webhooks",
        webhook=webhook,
        delivery=delivery,
        attempts=operations.attempts_of(db, delivery),
    )


# --- The error page ------------------------------------------------------------------------


@router.get("/failed")
def failed_deliveries(
    request: Request,
    admin: SignedIn,
    access: ReadableProject,
    webhook_id: WebhookId,
    db: DatabaseSession,
    cursor: Cursor = None,
) -> Response:
    webhook = service.find_webhook(db, access.project, webhook_id)
    return failed_page(request, admin, access.project, db, webhook, cursor)


def failed_page(
    request: Request,
    admin: Admin,
    project: Project,
    db: Session,
    webhook: Webhook,
    cursor: int | None = None,
    errors: FormErrors | None = None,
    notice: str = "",
    since: str = "",
) -> Response:
    filters = operations.DeliveryFilters(status="failed")
    return deliveries_page(
        request,
        admin,
        project,
        db,
        webhook,
        filters,
        cursor,
        template="webhooks/failed.html",
        errors=errors or FormErrors(),
        notice=notice,
        since=since,
        status_code=422 if errors else 200,
    )


@router.post("/deliveries/{delivery_id}/{action}")
def change_delivery(
    request: Request,
    admin: SignedIn,
    posted: CheckedForm,
    access: WritableProject,
    webhook_id: WebhookId,
    delivery_id: DeliveryId,
    action: str,
    db: DatabaseSession,
) -> Response:
    webhook = service.find_webhook(db, access.project, webhook_id)
    delivery = operations.find_delivery(db, webhook, delivery_id)
    if action == "resend":
        operations.resend(delivery, clock_of(request))
    elif action == "dismiss":
        operations.dismiss(delivery, clock_of(request))
    else:
        raise ApiError(404, "not_found", "no such action")
    db.commit()
    if action == "resend":
        WAKEUP.notify()  # this process's worker sends it now rather than at its next poll
    back = "failed" if posted.get("back") == "failed" else f"deliveries/{delivery.id}"
    return redirect(request, f"{base(access.project, webhook)}/{back}")


@router.post("/failed/{action}")
def change_all_failed(
    request: Request,
    admin: SignedIn,
    posted: CheckedForm,
    access: WritableProject,
    webhook_id: WebhookId,
    action: str,
    db: DatabaseSession,
) -> Response:
    webhook = service.find_webhook(db, access.project, webhook_id)
    if action not in ("resend", "dismiss"):
        raise ApiError(404, "not_found", "no such action")
    try:
        since = since_of(posted.get("since", ""))
    except ValueError as error:
        errors = FormErrors({"since": FieldProblem("since", str(error))})
        typed = posted.get("since", "")
        return failed_page(request, admin, access.project, db, webhook, None, errors, since=typed)
    change = operations.resend_failed if action == "resend" else operations.dismiss_failed
    count = change(db, webhook, since, clock_of(request))
    db.commit()
    if action == "resend":
        WAKEUP.notify()
    done = "will be sent again" if action == "resend" else "dismissed"
    notice = f"{count} failed deliver{'y' if count == 1 else 'ies'} {done}."
    return failed_page(request, admin, access.project, db, webhook, notice=notice)


def since_of(text: str) -> datetime | None:
    """The time typed in the error page's form (UTC), or None for every failed delivery."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("a date and time such as 2026-11-27 10:00 (UTC)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# --- Preview and test send -----------------------------------------------------------------


def call_to_render(db: Session, project: Project, typed: str) -> tuple[dict[str, Any], str]:
    """The event data for the preview: the call typed, else the latest call, else a sample;
    and a sentence saying which it is."""
    if typed.strip():
        if not typed.strip().isdigit() or not 1 <= int(typed) <= MAX_ID:
            raise ValueError("a call's number, such as 12 (the Calls journal lists them)")
        try:
            data = operations.sample_or_call_data(db, project, int(typed))
        except ApiError:
            raise ValueError(f"this project has no call {typed.strip()}") from None
        return data, f"call {int(typed)}"
    latest = operations.latest_call_id(db, project)
    if latest is None:
        sample = "a sample call made of the field catalogue's examples (no call stored yet)"
        return operations.sample_data(db, project), sample
    return operations.sample_or_call_data(db, project, latest), f"call {latest}, the latest"


def try_page(
    request: Request,
    admin: Admin,
    project: Project,
    webhook: Webhook,
    call_id: str,
    **context: Any,
) -> Response:
    errors: FormErrors = context.pop("errors", FormErrors())
    return render(
        request,
        "webhooks/try.html",
        422 if errors else 200,
        admin=admin,
        project=project,
        section="webhooks",
        webhook=webhook,
        call_id=call_id,
        errors=errors,
        **{"request_shown": None, "source": "", "result": None, **context},
    )


def rendered_for(
    request: Request, db: Session, project: Project, webhook: Webhook, box: Box, typed: str
) -> tuple[RenderedRequest, str]:
    data, source = call_to_render(db, project, typed)
    return operations.preview(webhook, project, box, data, clock_of(request)), source


def shown(rendered: RenderedRequest, webhook: Webhook) -> dict[str, Any]:
    return {
        "method": rendered.method,
        "url": rendered.url,
        "headers": operations.masked_headers(rendered, webhook),
        "body": rendered.body.decode("utf-8", errors="replace"),
    }


def refusal(error: ValueError | ApiError) -> FormErrors:
    if isinstance(error, ValueError):
        return FormErrors({"call_id": FieldProblem("call_id", str(error))})
    return FormErrors(general=[error.message])


@router.get("/preview")
def preview(
    request: Request,
    admin: SignedIn,
    access: ReadableProject,
    webhook_id: WebhookId,
    db: DatabaseSession,
    box: Box,
    call_id: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    webhook = service.find_webhook(db, access.project, webhook_id)
    try:
        rendered, source = rendered_for(request, db, access.project, webhook, box, call_id)
    except (ValueError, ApiError) as error:
        return try_page(request, admin, access.project, webhook, call_id, errors=refusal(error))
    return try_page(
        request,
        admin,
        access.project,
        webhook,
        call_id,
        request_shown=shown(rendered, webhook),
        source=source,
    )


@router.post("/preview")
def preview_call(
    request: Request,
    admin: SignedIn,
    posted: CheckedForm,
    access: ReadableProject,
    webhook_id: WebhookId,
    db: DatabaseSession,
) -> Response:
    """The page's form posts (it carries the test send's CSRF token, which must stay out of
    URLs); the preview itself is a GET, so it can be reloaded and linked."""
    webhook = service.find_webhook(db, access.project, webhook_id)
    query = urlencode({"call_id": posted.get("call_id", "").strip()[:20]})
    return redirect(request, f"{base(access.project, webhook)}/preview?{query}")


@router.post("/test")
async def test_send(
    request: Request,
    admin: SignedIn,
    posted: CheckedForm,
    access: WritableProject,
    webhook_id: WebhookId,
    db: DatabaseSession,
    box: Box,
) -> Response:
    webhook = service.find_webhook(db, access.project, webhook_id)
    call_id = posted.get("call_id", "")
    try:
        rendered, source = rendered_for(request, db, access.project, webhook, box, call_id)
    except (ValueError, ApiError) as error:
        return try_page(request, admin, access.project, webhook, call_id, errors=refusal(error))
    db.commit()  # release the project's lock before waiting on the receiver
    outbound = Outbound(allow_private=request.app.state.settings.webhook_allow_private)
    try:
        result = await operations.test_send(webhook, rendered, box, outbound, clock_of(request))
    finally:
        await outbound.close()
    return try_page(
        request,
        admin,
        access.project,
        webhook,
        call_id,
        request_shown=shown(result.request, webhook),
        source=source,
        result=result,
    )
