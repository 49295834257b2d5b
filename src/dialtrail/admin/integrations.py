"""Integrations: the overview (Webhooks 2.0, Google Analytics 4, Matomo) and the GA4 and Matomo
editors (docs/integrations.md).

Forms are read into the body the REST API takes, validated by the API's request models and
saved by webhooks/integrations/service.py, so every rule and message is the API's. An
integration's deliveries log, error page, preview and test send are the webhooks' pages, by its
id (admin/webhook_deliveries.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from dialtrail.admin.auth import Admin, CheckedForm, ReadableProject, SignedIn, WritableProject
from dialtrail.admin.forms import FormErrors, PastedLines, as_api_error, errors_with_lines
from dialtrail.admin.rendering import redirect, render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError, FieldProblem, not_found
from dialtrail.entities import service as entities
from dialtrail.projects.models import Project
from dialtrail.secrets import SecretBox
from dialtrail.webhooks import failing, operations
from dialtrail.webhooks import service as webhooks
from dialtrail.webhooks.api import AllowPrivate, Box
from dialtrail.webhooks.fields import catalogue_groups
from dialtrail.webhooks.integrations import TITLES, ga4, matomo
from dialtrail.webhooks.integrations import service as integrations
from dialtrail.webhooks.integrations.schemas import Ga4Create, Ga4Update, MatomoCreate, MatomoUpdate
from dialtrail.webhooks.models import Webhook
from dialtrail.webhooks.service import Context, Problems

router = APIRouter(prefix="/projects/{project_id}/integrations")
KINDS = ("ga4", "matomo")
MODELS: dict[tuple[str, bool], type[integrations.Body]] = {
    ("ga4", True): Ga4Create,
    ("ga4", False): Ga4Update,
    ("matomo", True): MatomoCreate,
    ("matomo", False): MatomoUpdate,
}
ANSWERED = {"field": "call.disposition", "op": "eq", "value": "answered"}
FIRST_CALL = {"field": "call.is_first_call", "op": "eq", "value": True}
FIELDS = {
    "ga4": ("name", "events", "measurement_id", "api_secret", "event_name", "endpoint"),
    "matomo": ("name", "events", "url", "site_id", "token_auth"),
}


@dataclass
class IntegrationForm:
    """The form's fields as typed (text), both kinds' settings in one place."""

    name: str = ""
    events: list[str] = field(default_factory=lambda: ["call.completed"])
    only_answered: bool = False
    only_first_call: bool = False
    enabled: bool = True
    parameters: str = ""
    settings: dict[str, str] = field(default_factory=dict)
    kept_filters: list[dict[str, Any]] = field(default_factory=list)  # set through the API


@router.get("")
def overview(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    everything = webhooks.list_webhooks(db, access.project, kind=None)
    return render(
        request,
        "integrations/list.html",
        admin=admin,
        project=access.project,
        section="integrations",
        webhook_count=sum(item.kind == "webhook" for item in everything),
        integrations=[item for item in everything if item.kind in KINDS],
        titles=TITLES,
        counts=operations.delivery_counts(db, access.project),
        failing_now=failing.failing_now(db, access.project),
    )


@router.get("/new/{kind}")
def new_integration(
    request: Request, kind: str, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    form = IntegrationForm(
        name=TITLES.get(kind, ""),
        settings=default_settings(kind),
        parameters=default_parameters(kind),
    )
    return editor(request, db, admin, access.project, known(kind), form)


@router.post("/new/{kind}")
def create_integration(
    request: Request,
    kind: str,
    admin: SignedIn,
    posted: CheckedForm,
    access: WritableProject,
    db: DatabaseSession,
    box: Box,
    private_targets: AllowPrivate,
) -> Response:
    form = parse_form(known(kind), posted)
    fields = api_fields(kind, form, creating=True)
    try:
        body = MODELS[kind, True].model_validate(fields)
        integrations.create(db, access.project, kind, body, box, private_targets)
    except (ValidationError, ApiError) as error:
        db.rollback()
        every = every_problem(db, access.project, kind, fields, box, error)
        return editor(request, db, admin, access.project, kind, form, every)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/integrations")


@router.get("/{integration_id}/edit")
def edit_integration(
    request: Request,
    integration_id: int,
    admin: SignedIn,
    access: ReadableProject,
    db: DatabaseSession,
) -> Response:
    integration = found(db, access.project, integration_id)
    form = form_of(integration)
    return editor(request, db, admin, access.project, integration.kind, form, None, integration)


@router.post("/{integration_id}/edit")
def update_integration(
    request: Request,
    integration_id: int,
    admin: SignedIn,
    posted: CheckedForm,
    access: WritableProject,
    db: DatabaseSession,
    box: Box,
    private_targets: AllowPrivate,
) -> Response:
    integration = found(db, access.project, integration_id)
    kind = integration.kind
    form = parse_form(kind, posted, integration.filters)
    fields = api_fields(kind, form, creating=False)
    try:
        body = MODELS[kind, False].model_validate(fields)
        integrations.update(db, access.project, integration, body, box, private_targets)
    except (ValidationError, ApiError) as error:
        db.rollback()
        integration = found(db, access.project, integration_id)
        every = every_problem(db, access.project, kind, fields, box, error)
        return editor(request, db, admin, access.project, kind, form, every, integration)
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/integrations")


def every_problem(
    db: DatabaseSession,
    project: Project,
    kind: str,
    fields: dict[str, Any],
    box: SecretBox,
    error: ValidationError | ApiError,
) -> ApiError:
    """A form refused for the tool's rules (the request model's) also names its lines' unknown
    fields and entities, which the service checks only after the model: otherwise a marketer
    fixes a token to meet, on the next try, a mistyped entity on line 3."""
    refused = as_api_error(error)
    if not isinstance(error, ValidationError) or any(
        problem.field.startswith("parameters") for problem in refused.fields
    ):
        return refused  # the service ran, or the lines themselves are malformed
    problems = Problems()
    context = Context(project, webhooks.entity_names(db, project), box)
    integrations.PARAMETER_CHECKS[kind](context, fields.get("parameters", []), problems)
    every = (*refused.fields, *problems.items)
    return ApiError(refused.status, refused.code, refused.message, every)


def known(kind: str) -> str:
    if kind not in KINDS:
        raise not_found(f"integration kind {kind[:20]!r}")
    return kind


def found(db: DatabaseSession, project: Project, integration_id: int) -> Webhook:
    integration = webhooks.find_webhook(db, project, integration_id)
    if integration.kind not in KINDS:
        raise not_found(f"integration {integration_id}")
    return integration


def editor(
    request: Request,
    db: DatabaseSession,
    admin: Admin,
    project: Project,
    kind: str,
    form: IntegrationForm,
    error: ValidationError | ApiError | None = None,
    integration: Webhook | None = None,
) -> Response:
    errors, bad_lines = FormErrors(), []
    if error is not None:
        lines = {"parameters": PastedLines.of(form.parameters)}
        fields = (*FIELDS[kind], "parameters", "filters")
        by_row = per_line(as_api_error(error))
        errors, by_line = errors_with_lines(by_row, lines, fields, "Nothing was saved")
        bad_lines = by_line.get("parameters", [])
    return render(
        request,
        "integrations/form.html",
        422 if error is not None else 200,
        admin=admin,
        project=project,
        section="integrations",
        kind=kind,
        title=TITLES[kind],
        form=form,
        errors=errors,
        bad_lines=bad_lines,
        integration=integration,
        most_parameters=ga4.MAX_PARAMETERS,
        # What a line may name, listed under the box (the webhook form's menus, as a list).
        groups=catalogue_groups(entity.name for entity in entities.list_entities(db, project)),
    )


def per_line(error: ApiError) -> ApiError:
    """A parameter's problem (``parameters.2.name``) belongs to its line (``parameters.2``); the
    fields a line may name are listed under the box, not at the API's address."""
    fields = [
        FieldProblem(
            ".".join(problem.field.split(".")[:2]),
            problem.message.replace(webhooks.CATALOGUE_HINT, "the fields are listed under the box"),
        )
        if problem.field.startswith("parameters.")
        else problem
        for problem in error.fields
    ]
    return ApiError(error.status, error.code, error.message, fields)


def default_settings(kind: str) -> dict[str, str]:
    if kind == "ga4":
        return {"event_name": ga4.DEFAULT_EVENT_NAME, "endpoint": "global"}
    return {}


def default_parameters(kind: str) -> str:
    """Matomo's event category and action, shown so that the user sees what is sent."""
    if kind == "matomo":
        return "\n".join(line_of(parameter) for parameter in matomo.DEFAULT_PARAMETERS)
    return ""


# --- Form ↔ API body ---------------------------------------------------------------------


def parse_form(
    kind: str, posted: dict[str, str], stored_filters: list[dict[str, Any]] | None = None
) -> IntegrationForm:
    events = [event for event in ("call.started", "call.completed") if posted.get(event) == "on"]
    kept = [
        condition for condition in stored_filters or [] if condition not in (ANSWERED, FIRST_CALL)
    ]
    return IntegrationForm(
        name=posted.get("name", "").strip(),
        events=events,
        only_answered=posted.get("only_answered") == "on",
        only_first_call=posted.get("only_first_call") == "on",
        enabled=posted.get("enabled") == "on",
        parameters=posted.get("parameters", ""),
        settings={name: posted.get(name, "").strip() for name in FIELDS[kind][2:]},
        kept_filters=kept,
    )


def api_fields(kind: str, form: IntegrationForm, *, creating: bool) -> dict[str, Any]:
    """The API's body: a secret left blank is kept (on edit), the two checkboxes become the
    webhooks' filters, and each parameter line ``name = key`` or ``name = "text"``."""
    fields: dict[str, Any] = {
        "name": form.name,
        "events": form.events,
        "enabled": form.enabled,
        "parameters": [parameter_of(line) for line in PastedLines.of(form.parameters).values],
        "filters": [
            *form.kept_filters,
            *([ANSWERED] if form.only_answered else []),
            *([FIRST_CALL] if form.only_first_call else []),
        ],
    }
    for name, value in form.settings.items():
        # A blank measurement id or address is refused with its format; a blank secret as
        # missing ("this field is required").
        if value or (creating and name in ("measurement_id", "url")):
            fields[name] = value
    if "site_id" in fields:
        fields["site_id"] = int(fields["site_id"]) if fields["site_id"].isdigit() else -1
    return fields


def parameter_of(line: str) -> dict[str, Any]:
    name, _, value = line.partition("=")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return {"name": name.strip(), "constant": value[1:-1]}
    return {"name": name.strip(), "value": value}


def form_of(integration: Webhook) -> IntegrationForm:
    settings = {
        name: str(integration.settings.get(name, ""))
        for name in FIELDS[integration.kind][2:]
        if name not in ("api_secret", "token_auth")  # write-only: blank keeps them
    }
    return IntegrationForm(
        name=integration.name,
        events=list(integration.events),
        only_answered=ANSWERED in integration.filters,
        only_first_call=FIRST_CALL in integration.filters,
        enabled=integration.enabled,
        parameters="\n".join(line_of(parameter) for parameter in integration.parameters),
        settings=settings,
        kept_filters=[c for c in integration.filters if c not in (ANSWERED, FIRST_CALL)],
    )


def line_of(parameter: dict[str, Any]) -> str:
    if "constant" in parameter:
        return f'{parameter["name"]} = "{parameter["constant"]}"'
    return f"{parameter['name']} = {parameter['value']}"
