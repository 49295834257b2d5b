"""Creating, changing and removing webhooks: every rule is checked, and every problem named by
its field path (``parameters.2.value``), before anything is written."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError, FieldProblem, invalid, not_found
from dialtrail.api.schemas import with_defaults
from dialtrail.entities.models import TrackingEntity
from dialtrail.entities.service import EntityUse
from dialtrail.outbound import refused_target
from dialtrail.projects.models import Project
from dialtrail.secrets import SecretBox, UnreadableSecret
from dialtrail.webhooks import rules
from dialtrail.webhooks.catalogue import BY_KEY, ENTITY_PREFIX, find_field
from dialtrail.webhooks.filters import FilterProblem, check_filter
from dialtrail.webhooks.models import Webhook
from dialtrail.webhooks.schemas import WebhookCreate, WebhookUpdate
from dialtrail.webhooks.signing import new_secret

# PATCH (api.schemas.with_defaults): null puts a field back to its default.
DEFAULTS: dict[str, Any] = {
    "parameters": [],
    "headers": {},
    "filters": [],
    "date_format": "iso8601",
    "enabled": True,
}
REQUIRED = ("name", "events", "url")


@dataclass
class Problems:
    """Every problem of one request, so that the client can fix them all at once."""

    items: list[FieldProblem] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.items.append(FieldProblem(path, message))

    def guard(self, path: str, check: Callable[[Any], Any], value: Any) -> Any:
        try:
            return check(value)
        except ValueError as error:
            self.add(path, str(error))
            return None

    def raise_any(self) -> None:
        if self.items:
            raise invalid(*self.items)


@dataclass
class Context:
    project: Project
    entity_names: set[str]
    box: SecretBox
    webhook: Webhook | None = None  # None while creating
    allow_private: bool = False  # DIALTRAIL_WEBHOOK_ALLOW_PRIVATE
    moved: bool = False  # the URL goes to another origin: stored header values are not kept
    dropped_headers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WebhookChange:
    """What a change did besides what was asked, for the answer and the page to say."""

    dropped_headers: list[str]  # stored values not sent to the new origin
    new_secret: str | None  # made because the URL moved to another origin; shown once

    def notices(self) -> list[str]:
        notices = []
        if self.dropped_headers:
            names = ", ".join(self.dropped_headers)
            notices.append(
                "The URL now points to another origin (scheme, host or port), so the stored "
                f"values of these headers were removed rather than sent there: {names}. Enter "
                "them again if the new receiver needs them."
            )
        if self.new_secret:
            notices.append(
                "The URL now points to another origin, so the webhook has a new signing secret "
                "(shown once); the old one no longer signs anything."
            )
        return notices


# --- Reading -----------------------------------------------------------------------------


def list_webhooks(
    session: Session, project: Project, kind: str | None = "webhook"
) -> list[Webhook]:
    """The project's webhooks (``kind``), or its integrations of a kind, or all (None)."""
    query = select(Webhook).where(Webhook.project_id == project.id).order_by(Webhook.id)
    if kind is not None:
        query = query.where(Webhook.kind == kind)
    return list(session.scalars(query))


def find_webhook(
    session: Session, project: Project, webhook_id: int, kind: str | None = None
) -> Webhook:
    """A webhook or integration of the project (its deliveries, tests and previews are the
    same), or only one of ``kind``, where its own settings are edited."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.project_id != project.id or kind not in (None, webhook.kind):
        raise not_found(f"webhook {webhook_id}")
    return webhook


def entity_names(session: Session, project: Project) -> set[str]:
    query = select(TrackingEntity.name).where(TrackingEntity.project_id == project.id)
    return set(session.scalars(query))


def masked_headers(webhook: Webhook, box: SecretBox) -> dict[str, str]:
    return {
        name: rules.masked(open_or_empty(box, sealed)) for name, sealed in webhook.headers.items()
    }


def open_or_empty(box: SecretBox, sealed: str) -> str:
    # Sealed under another DIALTRAIL_SECRET_KEY: show only the mask; the user enters it again.
    try:
        return box.open(sealed)
    except UnreadableSecret:
        return ""


# --- Writing -----------------------------------------------------------------------------


def create_webhook(
    session: Session,
    project: Project,
    body: WebhookCreate,
    box: SecretBox,
    allow_private: bool = False,
) -> tuple[Webhook, str]:
    """The new webhook and its signing secret, which is shown this once."""
    fields = body.model_dump(exclude_unset=True)
    context = Context(project, entity_names(session, project), box, None, allow_private)
    cleaned = clean_fields(context, with_defaults({**DEFAULTS, **fields}, DEFAULTS, REQUIRED))
    refuse_over_event_limit(session, project, cleaned["events"], webhook_id=None)
    secret = new_secret()
    webhook = Webhook(project_id=project.id, secret=box.seal(secret), **cleaned)
    session.add(webhook)
    session.flush()
    return webhook, secret


def update_webhook(
    session: Session,
    project: Project,
    webhook: Webhook,
    body: WebhookUpdate,
    box: SecretBox,
    allow_private: bool = False,
) -> WebhookChange:
    """Changes the fields ``body`` sets (null: back to the default). A URL on another origin
    (scheme, host or port) gets neither the stored header values nor signatures made with the
    stored secret: the owner chose those for the old receiver, and whoever edits the URL may
    not be the owner (docs/webhooks.md, "Who may change what")."""
    fields = body.model_dump(exclude_unset=True)
    moved = "url" in fields and rules.moved_origin(webhook.url, fields["url"])
    context = Context(project, entity_names(session, project), box, webhook, allow_private, moved)
    cleaned = clean_fields(context, with_defaults(fields, DEFAULTS, REQUIRED))
    refuse_over_event_limit(session, project, cleaned.get("events", webhook.events), webhook.id)
    if moved and "headers" not in fields:
        cleaned["headers"] = {}
        context.dropped_headers.extend(webhook.headers)
    new_secret = renew_secret(webhook, box) if moved else None
    if cleaned.get("enabled") and not webhook.enabled:
        # Turned back on by a person: forget why Dialtrail turned it off, and start counting
        # failures afresh, or the next failure would disable it again at once.
        webhook.disabled_reason = None
        webhook.failing_since = None
    for name, value in cleaned.items():
        setattr(webhook, name, value)
    session.flush()
    return WebhookChange(context.dropped_headers, new_secret)


def renew_secret(webhook: Webhook, box: SecretBox) -> str:
    # No grace period, unlike a rotation: the old receiver trusts the old secret, and
    # requests signed with it must not reach a server it does not know.
    fresh = new_secret()
    webhook.secret = box.seal(fresh)
    webhook.previous_secret = None
    webhook.previous_secret_until = None
    return fresh


def clean_fields(context: Context, fields: dict[str, Any]) -> dict[str, Any]:
    """The columns to write; only the fields given (plus method and format, which go
    together) are checked, so a webhook left behind by a forced entity rename can still be
    switched off."""
    problems = Problems()
    cleaned = dict(fields)
    for name, cleaner in CLEANERS.items():
        if name in fields:
            cleaned[name] = cleaner(context, fields[name], problems)
    cleaned.update(resolve_method_and_format(context.webhook, fields, problems))
    problems.raise_any()
    return cleaned


def clean_events(context: Context, events: list[str], problems: Problems) -> list[str]:
    for index, event in enumerate(events):
        if event in events[:index]:
            problems.add(f"events.{index}", f"{event} is listed twice")
    return list(dict.fromkeys(events))


def clean_url(context: Context, url: str, problems: Problems) -> str:
    checked = str(problems.guard("url", rules.check_url, url))
    refusal = refused_target(checked, context.allow_private)
    if refusal:
        problems.add("url", refusal)
    return checked


def clean_date_format(context: Context, pattern: str, problems: Problems) -> str:
    return str(problems.guard("date_format", rules.check_date_format, pattern))


def resolve_method_and_format(
    webhook: Webhook | None, fields: dict[str, Any], problems: Problems
) -> dict[str, str]:
    stored_method = webhook.method if webhook else "POST"
    method = (fields["method"] or "POST") if "method" in fields else stored_method
    given_format = fields.get("format")
    if method == "GET":
        # GET has no body. A client that names another format explicitly is told so; one that
        # leaves format out (or changes only the method) gets query without a word.
        if given_format not in (None, "query"):
            problems.add(
                "format",
                f"a GET request has no body, so {given_format} cannot be sent: use query "
                "(parameters in the URL), or leave format out",
            )
        return {"method": method, "format": "query"}
    if "format" in fields:
        return {"method": method, "format": given_format or "json"}
    return {"method": method, "format": webhook.format if webhook else "json"}


# --- Parameters --------------------------------------------------------------------------


def clean_parameters(
    context: Context, parameters: list[dict[str, Any]], problems: Problems
) -> list[dict[str, Any]]:
    first_use: dict[str, int] = {}
    cleaned = []
    for index, parameter in enumerate(parameters):
        path = f"parameters.{index}"
        name = parameter["name"]
        if problems.guard(f"{path}.name", rules.check_parameter_name, name) is None:
            continue
        if name in first_use:
            problems.add(
                f"{path}.name",
                f"{name!r} is already the name of parameters.{first_use[name]}; names are "
                "unique within a webhook",
            )
        first_use.setdefault(name, index)
        cleaned.append({"name": name, **clean_source(context, parameter, path, problems)})
    return cleaned


def clean_source(
    context: Context, parameter: dict[str, Any], path: str, problems: Problems
) -> dict[str, Any]:
    value, constant = parameter.get("value"), parameter.get("constant")
    if (value is None) == (constant is None):
        problems.add(
            path,
            "give either value (a field such as visit.ga_client_id) or constant (a fixed "
            "value), not " + ("both" if value is not None else "neither"),
        )
        return {}
    if value is None:
        problems.guard(f"{path}.constant", rules.check_constant, constant)
        return {"constant": constant}
    if find_field(value, context.entity_names) is None:
        problems.add(f"{path}.value", unknown_field(value, context.entity_names))
    return {"value": value}


CATALOGUE_HINT = "GET …/webhook-fields lists the fields"


def unknown_field(key: str, names: set[str]) -> str:
    if key.startswith(ENTITY_PREFIX):
        known = ", ".join(sorted(names)) or "none yet"
        return (
            f"this project has no tracking entity named {key.removeprefix(ENTITY_PREFIX)!r} "
            f"(its entities: {known})"
        )
    keys = [*BY_KEY, *(ENTITY_PREFIX + name for name in names)]
    guess = difflib.get_close_matches(key, keys, n=1)
    hint = f"did you mean {guess[0]}? " if guess else ""
    return f"{key!r} is not in the field catalogue; {hint}{CATALOGUE_HINT}"


# --- Headers -----------------------------------------------------------------------------


def clean_headers(context: Context, headers: dict[str, str], problems: Problems) -> dict[str, str]:
    stored = context.webhook.headers if context.webhook else {}
    stored_by_name = {name.lower(): sealed for name, sealed in stored.items()}
    first_spelling: dict[str, str] = {}
    cleaned = {}
    for name, value in headers.items():
        path = f"headers.{name}"
        if problems.guard(path, rules.check_header_name, name) is None:
            continue
        if name.lower() in first_spelling:
            problems.add(
                path, f"{first_spelling[name.lower()]} is given already; header names ignore case"
            )
        first_spelling.setdefault(name.lower(), name)
        sealed = stored_by_name.get(name.lower())
        if sealed is not None and value == rules.masked(open_or_empty(context.box, sealed)):
            # The masked value sent back unchanged: keep the stored one, but only for the
            # origin it was entered for.
            if context.moved:
                context.dropped_headers.append(name)
            else:
                cleaned[name] = sealed
        elif problems.guard(path, rules.check_header_value, value) is not None:
            cleaned[name] = context.box.seal(value)
    return cleaned


# --- Filters -----------------------------------------------------------------------------


def clean_filters(
    context: Context, filters: list[dict[str, Any]], problems: Problems
) -> list[dict[str, Any]]:
    cleaned = []
    for index, condition in enumerate(filters):
        path = f"filters.{index}"
        catalogue_field = find_field(condition["field"], context.entity_names)
        if catalogue_field is None:
            problems.add(f"{path}.field", unknown_field(condition["field"], context.entity_names))
            continue
        try:
            value = check_filter(
                catalogue_field.type, condition["op"], condition.get("value"), "value" in condition
            )
        except FilterProblem as problem:
            problems.add(f"{path}.{problem.part}", problem.message)
            continue
        cleaned.append({"field": condition["field"], "op": condition["op"], "value": value})
    return cleaned


CLEANERS: dict[str, Callable[[Context, Any, Problems], Any]] = {
    "events": clean_events,
    "url": clean_url,
    "parameters": clean_parameters,
    "headers": clean_headers,
    "filters": clean_filters,
    "date_format": clean_date_format,
}


# --- Limits and references -----------------------------------------------------------------


def refuse_over_event_limit(
    session: Session, project: Project, events: list[str], webhook_id: int | None
) -> None:
    # The project row is locked (writable_project), so two requests cannot both take the
    # 40th place. Disabled webhooks count: enabling one must not break the limit.
    query = select(Webhook.events).where(Webhook.project_id == project.id)
    if webhook_id is not None:
        query = query.where(Webhook.id != webhook_id)
    others = list(session.scalars(query))
    for index, event in enumerate(events):
        if sum(event in subscribed for subscribed in others) >= rules.MAX_WEBHOOKS_PER_EVENT:
            message = (
                f"this project has {rules.MAX_WEBHOOKS_PER_EVENT} webhooks subscribed to "
                f"{event} already, the most it may have; remove {event} from another webhook"
            )
            raise ApiError(
                409, "limit_reached", message, [FieldProblem(f"events.{index}", message)]
            )


def webhooks_using_entity(session: Session, project: Project, name: str) -> list[EntityUse]:
    """The entities' ENTITY_USERS hook (wiring.py): the webhooks that send entity.<name>."""
    key = ENTITY_PREFIX + name
    uses = []
    for webhook in list_webhooks(session, project, kind=None):
        references = [ref for ref in entity_references(webhook) if ref.key == key]
        if references:
            places = [ref.place for ref in references]
            uses.append(EntityUse(webhook.id, webhook.name, places, [r.label for r in references]))
    return uses


@dataclass(frozen=True)
class EntityReference:
    place: str  # the field path in the webhook, such as parameters.0.value
    key: str  # entity.<name>
    label: str  # what the page calls it: "parameter 'visit id'", "filter 2"

    @property
    def entity_name(self) -> str:
        return self.key.removeprefix(ENTITY_PREFIX)


def entity_references(webhook: Webhook) -> list[EntityReference]:
    """Every parameter value and filter field of the webhook that is a tracking entity."""
    parameters = [
        EntityReference(
            f"parameters.{index}.value", parameter["value"], f"parameter {parameter['name']!r}"
        )
        for index, parameter in enumerate(webhook.parameters)
        if str(parameter.get("value", "")).startswith(ENTITY_PREFIX)
    ]
    filters = [
        EntityReference(f"filters.{index}.field", condition["field"], f"filter {index + 1}")
        for index, condition in enumerate(webhook.filters)
        if str(condition.get("field", "")).startswith(ENTITY_PREFIX)
    ]
    return parameters + filters


@dataclass(frozen=True)
class StaleReference:
    """A reference whose entity calls do not record, and why."""

    reference: EntityReference
    reason: str  # "no longer exists", "is disabled"

    def stale_message(self) -> str:
        parameter = self.reference.place.startswith("parameters")
        outcome = "it is sent empty" if parameter else "it sees no value"
        return f"{self.reference.label} uses {self.reference.key}, which {self.reason}: {outcome}"


def entities_enabled(session: Session, project: Project) -> dict[str, bool]:
    """Each of the project's entities by name, and whether it is enabled."""
    query = select(TrackingEntity.name, TrackingEntity.enabled).where(
        TrackingEntity.project_id == project.id
    )
    return {name: enabled for name, enabled in session.execute(query)}


def stale_references(webhook: Webhook, enabled: Mapping[str, bool]) -> list[StaleReference]:
    """References that rendering sends empty, so the pages say so: to an entity the project no
    longer has (deleted or renamed with ?force=true), or to a disabled one (a call's snapshot
    takes only enabled entities, calls/snapshots.py)."""
    stale = []
    for reference in entity_references(webhook):
        state = enabled.get(reference.entity_name)
        if state is None:
            stale.append(StaleReference(reference, "no longer exists"))
        elif not state:
            stale.append(StaleReference(reference, "is disabled"))
    return stale
