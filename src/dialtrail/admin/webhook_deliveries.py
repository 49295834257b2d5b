"""A webhook's deliveries in the admin UI: the log (the API's filters, newest first, paging), one
delivery with every attempt, the error page (deliveries failing now, with *Retry now*, one or
all; failed ones with resend / dismiss, one, or all failed since a time), and *Preview* /
*Test send* showing the exact request and what came back.

Nothing is sent to a webhook that is off: resend and retry now flash that it is off and
nothing was sent, and the error page offers *Turn it on* (``POST …/enable``).

*Retry all now*, *Resend all failed* / *Dismiss all failed* are Post/Redirect/Get: the post
changes them, flashes the count (admin/flash.py) and answers 303 to the error page; a reload
of that page changes nothing. Their "since" is read as the log reads its times: no offset
means the project's zone.

*Test send* is Post/Redirect/Get: the post sends, keeps what the page shows (bounded) with
admin/flash.py and answers 303 to the preview page, which shows it once; a reload previews
again and sends nothing.

Everything goes through webhooks.operations, as the REST API's deliveries_api.py does.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dialtrail.admin.auth import CheckedForm
from dialtrail.admin.flash import flash, keep_once, take_once
from dialtrail.admin.forms import FormErrors, form_errors
from dialtrail.admin.webhook_access import AdminWebhook, ReadableWebhook, WritableWebhook
from dialtrail.api.errors import ApiError, FieldProblem
from dialtrail.api.schemas import MAX_ID
from dialtrail.calls.data import EventData
from dialtrail.outbound import Outbound
from dialtrail.projects.models import Project
from dialtrail.webhooks import failing, operations, service
from dialtrail.webhooks.delivery_schemas import DeliveryId, DeliverySearch
from dialtrail.webhooks.integrations.schemas import INTEGRATION_EVENTS
from dialtrail.webhooks.models import STATUSES, WEBHOOK_EVENTS, Webhook, WebhookDelivery
from dialtrail.webhooks.render import RenderedRequest
from dialtrail.webhooks.schemas import WebhookUpdate
from dialtrail.webhooks.wakeup import WAKEUP

router = APIRouter(prefix="/projects/{project_id}/webhooks/{webhook_id}")

PAGE_SIZE = 50
FAILING_SHOWN = 50  # deliveries failing now listed on the error page; Retry all now takes all
# What a test send's page keeps for the page after its redirect (the request body can be 64 KB).
KEPT_BODY_CHARACTERS = 16_000
KEPT_HEADERS = 50
KEPT_HEADER_CHARACTERS = 500
SEARCH_FIELDS = ("status", "event", "call_id", "since", "until")
Cursor = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def deliveries_page(
    hook: AdminWebhook,
    filters: operations.DeliveryFilters,
    cursor: int | None,
    **context: Any,
) -> Response:
    found = operations.list_deliveries(hook.db, hook.webhook, filters, PAGE_SIZE + 1, cursor)
    page = found[:PAGE_SIZE]
    return hook.render(
        context.pop("template", "webhooks/deliveries.html"),
        context.pop("status_code", 200),
        deliveries=page,
        next_cursor=page[-1].id if len(found) > PAGE_SIZE else None,
        **context,
    )


# --- The log, with the API's filters -------------------------------------------------------


def searched(request: Request) -> dict[str, str]:
    given = {name: request.query_params.get(name, "").strip() for name in SEARCH_FIELDS}
    return {name: value for name, value in given.items() if value}


def checked_search(given: dict[str, str], timezone: str) -> operations.DeliveryFilters | FormErrors:
    """The API's own parsing; a time typed without an offset is in the project's zone."""
    try:
        search = DeliverySearch.model_validate(given, context={"timezone": timezone})
    except ValidationError as error:
        return form_errors(error, SEARCH_FIELDS)
    return search.filters()


@router.get("/deliveries")
def delivery_log(hook: ReadableWebhook, cursor: Cursor = None) -> Response:
    given = searched(hook.request)
    form = {
        "search": {name: given.get(name, "") for name in SEARCH_FIELDS},
        "search_query": urlencode(given),
        "statuses": STATUSES,
        # An integration has no call.answered (its forms offer the two events it can send).
        "events": WEBHOOK_EVENTS if hook.webhook.kind == "webhook" else INTEGRATION_EVENTS,
    }
    checked = checked_search(given, hook.project.timezone)
    if isinstance(checked, FormErrors):
        # Rows that ignore a filter the person typed would look like its answer: show none.
        page: dict[str, Any] = {"deliveries": [], "next_cursor": None}
        return hook.render("webhooks/deliveries.html", 422, errors=checked, **page, **form)
    return deliveries_page(hook, checked, cursor, errors=FormErrors(), **form)


@router.get("/deliveries/{delivery_id}")
def delivery_detail(hook: ReadableWebhook, delivery_id: DeliveryId) -> Response:
    delivery = operations.find_delivery(hook.db, hook.webhook, delivery_id)
    return hook.render(
        "webhooks/delivery.html",
        delivery=delivery,
        attempts=operations.attempts_of(hook.db, delivery),
    )


# --- The error page: failing now, and failed -----------------------------------------------


@router.get("/failed")
def failed_deliveries(hook: ReadableWebhook, cursor: Cursor = None) -> Response:
    return failed_page(hook, cursor)


def failed_page(
    hook: AdminWebhook,
    cursor: int | None = None,
    errors: FormErrors | None = None,
    since: str = "",
) -> Response:
    filters = operations.DeliveryFilters(status="failed")
    return deliveries_page(
        hook,
        filters,
        cursor,
        template="webhooks/failed.html",
        errors=errors or FormErrors(),
        since=since,
        status_code=422 if errors else 200,
        failing_now=failing.failing_now(hook.db, hook.project).get(hook.webhook.id),
        failing_deliveries=failing.failing_deliveries(hook.db, hook.webhook, FAILING_SHOWN),
    )


ACTIONS = ("resend", "retry-now", "dismiss")


def apply(hook: AdminWebhook, delivery: WebhookDelivery, action: str) -> None:
    if action == "resend":
        operations.resend(hook.webhook, delivery, hook.now())
    elif action == "retry-now":
        failing.retry_now(hook.webhook, delivery, hook.now())
    else:
        operations.dismiss(delivery, hook.now())


@router.post("/deliveries/{delivery_id}/{action}")
def change_delivery(hook: WritableWebhook, delivery_id: DeliveryId, action: str) -> Response:
    delivery = operations.find_delivery(hook.db, hook.webhook, delivery_id)
    if action not in ACTIONS:
        raise ApiError(404, "not_found", "no such action")
    back = "failed" if hook.posted.get("back") == "failed" else f"deliveries/{delivery.id}"
    try:
        apply(hook, delivery, action)
    except ApiError as refused:
        return refused_back(hook, refused, f"{hook.base}/{back}")
    hook.db.commit()
    if action != "dismiss":
        WAKEUP.notify()  # this process's worker sends it now rather than at its next poll
    return hook.redirect(f"{hook.base}/{back}")


def refused_back(hook: AdminWebhook, refused: ApiError, back: str) -> Response:
    """A refusal a person can act on (the webhook is off; the delivery changed meanwhile):
    said at the top of the page they came from, which offers what to do next."""
    if refused.status != 409:
        raise refused
    if refused.code == "webhook_disabled":
        back = f"{hook.base}/failed"  # where Turn it on is
    hook.db.rollback()
    flash(hook.request, hook.admin, hook.db, refusal_words(hook.webhook, refused))
    hook.db.commit()
    return hook.redirect(back)


def refusal_words(webhook: Webhook, refused: ApiError) -> str:
    if refused.code == "webhook_disabled":
        return f"{webhook.name} is off, so nothing was sent. Turn it on below, then try again."
    return f"Nothing was done: {refused.message}."


@router.post("/failed/{action}")
def change_all_failed(hook: WritableWebhook, action: str) -> Response:
    """Post/Redirect/Get: a reload of the page after it must not resend again the deliveries
    that failed since."""
    if action not in ("resend", "dismiss"):
        raise ApiError(404, "not_found", "no such action")
    typed = hook.posted.get("since", "")
    since = since_of(typed, hook.project.timezone)
    if isinstance(since, FormErrors):
        return failed_page(hook, None, since, since=typed)
    change = operations.resend_failed if action == "resend" else operations.dismiss_failed
    try:
        count = change(hook.db, hook.webhook, since, hook.now())
    except ApiError as refused:
        return refused_back(hook, refused, f"{hook.base}/failed")
    flash(hook.request, hook.admin, hook.db, changed_message(action, count))
    hook.db.commit()
    if action == "resend":
        WAKEUP.notify()
    return hook.redirect(f"{hook.base}/failed")


@router.post("/failing/retry-now")
def retry_all_now(hook: WritableWebhook) -> Response:
    try:
        count = failing.retry_all_now(hook.db, hook.webhook, hook.now())
    except ApiError as refused:
        return refused_back(hook, refused, f"{hook.base}/failed")
    noun = "delivery is" if count == 1 else "deliveries are"
    flash(hook.request, hook.admin, hook.db, f"{count} failing {noun} being sent now.")
    hook.db.commit()
    WAKEUP.notify()
    return hook.redirect(f"{hook.base}/failed")


@router.post("/enable")
def enable(hook: WritableWebhook) -> Response:
    """The error page's *Turn it on*: as the editor's "On" box, which forgets why Dialtrail
    turned it off, then Retry all now, so its pending deliveries go at once (the failing ones
    would otherwise wait for their planned try); failed ones wait for a resend."""
    service.update_webhook(
        hook.db,
        hook.project,
        hook.webhook,
        WebhookUpdate(enabled=True),
        hook.box,
        hook.private_targets,
    )
    failing.retry_all_now(hook.db, hook.webhook, hook.now())
    message = f"{hook.webhook.name} is on again: pending deliveries are sent now."
    flash(hook.request, hook.admin, hook.db, message)
    hook.db.commit()
    WAKEUP.notify()
    return hook.redirect(f"{hook.base}/failed")


def since_of(typed: str, timezone: str) -> datetime | FormErrors | None:
    """The time typed in the error page's form, read as the deliveries log reads its "from"
    (no offset: the project's zone); None for every failed delivery."""
    checked = checked_search({"since": typed.strip()} if typed.strip() else {}, timezone)
    return checked if isinstance(checked, FormErrors) else checked.since


def changed_message(action: str, count: int) -> str:
    done = "will be sent again" if action == "resend" else "dismissed"
    return f"{count} failed deliver{'y' if count == 1 else 'ies'} {done}."


# --- Preview and test send -----------------------------------------------------------------


def call_to_render(db: Session, project: Project, typed: str) -> tuple[EventData, str]:
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


def try_page(hook: AdminWebhook, call_id: str, **context: Any) -> Response:
    errors: FormErrors = context.pop("errors", FormErrors())
    return hook.render(
        "webhooks/try.html",
        422 if errors else 200,
        call_id=call_id,
        errors=errors,
        **{"request_shown": None, "source": "", "result": None, **context},
    )


def rendered_for(
    hook: AdminWebhook, typed: str, validate: bool = False
) -> tuple[RenderedRequest, str]:
    data, source = call_to_render(hook.db, hook.project, typed)
    request = operations.preview(hook.webhook, hook.project, hook.box, data, hook.now(), validate)
    return request, source


def shown(rendered: RenderedRequest, webhook: Webhook) -> dict[str, Any]:
    return {
        "method": rendered.method,
        "url": rendered.logged_url,
        "headers": operations.masked_headers(rendered, webhook),
        "body": rendered.logged_body.decode("utf-8", errors="replace"),
    }


def refusal(error: ValueError | ApiError) -> FormErrors:
    if isinstance(error, ValueError):
        return FormErrors({"call_id": FieldProblem("call_id", str(error))})
    return FormErrors(general=[error.message])


def test_kind(webhook_id: int) -> str:
    return f"webhook_test:{webhook_id}"


@router.get("/preview")
def preview(hook: ReadableWebhook, call_id: Annotated[str, Query(max_length=20)] = "") -> Response:
    tested = take_once(hook.request, hook.admin, hook.db, test_kind(hook.webhook.id))
    hook.db.commit()  # taken: a reload previews again, and sends nothing
    if tested is not None:
        return try_page(hook, tested["call_id"], **tested["shown"])
    try:
        rendered, source = rendered_for(hook, call_id)
    except (ValueError, ApiError) as error:
        return try_page(hook, call_id, errors=refusal(error))
    as_sent = operations.signed(hook.webhook, rendered, hook.box, hook.now(), "preview")
    return try_page(hook, call_id, request_shown=shown(as_sent, hook.webhook), source=source)


@router.post("/preview")
def preview_call(posted: CheckedForm, hook: ReadableWebhook) -> Response:
    """The page's form posts (it carries the test send's CSRF token, which must stay out of
    URLs); the preview itself is a GET, so it can be reloaded and linked."""
    query = urlencode({"call_id": posted.get("call_id", "").strip()[:20]})
    return hook.redirect(f"{hook.base}/preview?{query}")


@router.post("/test")
async def test_send(hook: WritableWebhook) -> Response:
    typed = hook.posted.get("call_id", "")
    call_id = typed.strip()[:20]
    # The database work runs on the thread pool, as in the sync routes: on SQLite a
    # transaction may wait for the write lock, which must not stall the event loop.
    try:
        rendered, source = await run_in_threadpool(rendered_and_released, hook, typed)
    except (ValueError, ApiError) as error:
        return try_page(hook, call_id, errors=refusal(error))
    outbound = Outbound(allow_private=hook.private_targets)
    try:
        result = await operations.test_send(hook.webhook, rendered, hook.box, outbound, hook.now())
    finally:
        await outbound.close()
    tested = {"call_id": call_id, "shown": kept_test(result, hook.webhook, source)}
    await run_in_threadpool(keep_tested, hook, tested)
    return hook.redirect(f"{hook.base}/preview?{urlencode({'call_id': call_id})}")


def rendered_and_released(hook: AdminWebhook, typed: str) -> tuple[RenderedRequest, str]:
    rendered_and_source = rendered_for(hook, typed, validate=True)
    hook.db.commit()  # release the project's lock before waiting on the receiver
    return rendered_and_source


def keep_tested(hook: AdminWebhook, tested: dict[str, Any]) -> None:
    keep_once(hook.request, hook.admin, hook.db, test_kind(hook.webhook.id), tested)
    hook.db.commit()


def ga4_validation(result: operations.TestResult) -> list[dict[str, str]] | None:
    """GA4's validation endpoint answers its findings as JSON (validationMessages, each with
    fieldPath, description and validationCode); None when the answer is not that."""
    try:
        answer = json.loads(result.response_body or "")
    except ValueError:
        return None
    messages = answer.get("validationMessages") if isinstance(answer, dict) else None
    if not isinstance(messages, list):
        return None
    return [
        {key: str(item.get(key, "")) for key in ("fieldPath", "description", "validationCode")}
        for item in messages
        if isinstance(item, dict)
    ]


def kept_test(result: operations.TestResult, webhook: Webhook, source: str) -> dict[str, Any]:
    """What the page shows of a test send, bounded: it is kept in the database until the
    page after the redirect takes it."""
    request = shown(result.request, webhook)
    request["body"] = cut(request["body"], KEPT_BODY_CHARACTERS)
    headers = list(result.response_headers.items())[:KEPT_HEADERS]
    answer = {
        "status_code": result.status_code,
        "latency_ms": result.latency_ms,
        "response_headers": {name: cut(value, KEPT_HEADER_CHARACTERS) for name, value in headers},
        "response_body": result.response_body,  # Outbound keeps 2 KB at most
        "error": cut(result.error, KEPT_HEADER_CHARACTERS) if result.error else None,
        "validation": ga4_validation(result) if webhook.kind == "ga4" else None,
    }
    return {"request_shown": request, "source": source, "result": answer}


def cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit} more characters not shown)"
