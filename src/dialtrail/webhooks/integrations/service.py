"""Creating and changing GA4 and Matomo integrations: the webhooks' own checks (events, filters,
parameters' values, the event limit, private addresses) plus each tool's rules, every problem
named by its field path before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialtrail.api.schemas import with_defaults
from dialtrail.outbound import refused_target
from dialtrail.projects.models import Project
from dialtrail.secrets import SecretBox
from dialtrail.webhooks import service
from dialtrail.webhooks.integrations import SEALED, ga4, matomo
from dialtrail.webhooks.integrations.schemas import (
    Ga4Create,
    Ga4Update,
    MatomoCreate,
    MatomoUpdate,
)
from dialtrail.webhooks.models import Webhook
from dialtrail.webhooks.rules import masked, moved_origin
from dialtrail.webhooks.service import Context, Problems
from dialtrail.webhooks.signing import new_secret

Body = Ga4Create | Ga4Update | MatomoCreate | MatomoUpdate
# What a field sent as null goes back to (api.schemas.with_defaults).
DEFAULTS: dict[str, dict[str, Any]] = {
    "ga4": {
        "filters": [],
        "parameters": [],
        "event_name": ga4.DEFAULT_EVENT_NAME,
        "endpoint": "global",
        "enabled": True,
    },
    "matomo": {"filters": [], "parameters": matomo.DEFAULT_PARAMETERS, "enabled": True},
}
REQUIRED = {
    "ga4": ("name", "events", "measurement_id", "api_secret"),
    "matomo": ("name", "events", "url", "site_id", "token_auth"),
}
# The settings each kind keeps in its row's settings, not in a column of its own.
SETTINGS = {
    "ga4": ("measurement_id", "api_secret", "event_name", "endpoint"),
    "matomo": ("url", "site_id", "token_auth"),
}


def create(
    db: Session, project: Project, kind: str, body: Body, box: SecretBox, allow_private: bool
) -> Webhook:
    # Every field, those left out as None: with_defaults gives them their default.
    fields = with_defaults(body.model_dump(), DEFAULTS[kind], REQUIRED[kind])
    context = Context(project, service.entity_names(db, project), box, None, allow_private)
    webhook = Webhook(project_id=project.id, kind=kind, secret=box.seal(new_secret()), settings={})
    apply(context, webhook, fields)
    service.refuse_over_event_limit(db, project, webhook.events, webhook_id=None)
    db.add(webhook)
    db.flush()
    return webhook


def update(
    db: Session, project: Project, webhook: Webhook, body: Body, box: SecretBox, allow_private: bool
) -> None:
    given = body.model_dump(exclude_unset=True)
    fields = with_defaults(given, DEFAULTS[webhook.kind], REQUIRED[webhook.kind])
    context = Context(project, service.entity_names(db, project), box, webhook, allow_private)
    apply(context, webhook, fields)
    service.refuse_over_event_limit(db, project, webhook.events, webhook.id)
    if fields.get("enabled") and webhook.disabled_reason:
        webhook.disabled_reason = None  # turned back on by a person, as a webhook is
        webhook.failing_since = None
    db.flush()


def apply(context: Context, webhook: Webhook, fields: dict[str, Any]) -> None:
    """Checks every field given and writes them all, or raises naming each problem."""
    problems = Problems()
    kind = webhook.kind
    settings = dict(webhook.settings or {})
    for name in SETTINGS[kind]:
        if name in fields:
            settings[name] = SETTING_CHECKS[kind][name](context, fields[name], problems, name)
    columns: dict[str, Any] = {}
    for name in ("name", "events", "enabled"):
        if name in fields:
            columns[name] = fields[name]
    if "events" in fields:
        columns["events"] = service.clean_events(context, fields["events"], problems)
    if "filters" in fields:
        columns["filters"] = service.clean_filters(context, fields["filters"], problems)
    if "parameters" in fields:
        columns["parameters"] = PARAMETER_CHECKS[kind](context, fields["parameters"], problems)
    refuse_moved_secret(webhook, fields, problems)
    problems.raise_any()
    for name in SEALED[kind]:
        if name in fields:
            settings[name] = context.box.seal(settings[name])
    for name, value in columns.items():
        setattr(webhook, name, value)
    webhook.settings = settings
    webhook.url = request_url(kind, settings)
    webhook.format = "json" if kind == "ga4" else "form"


# Where each kind sends its secret: a change of that address needs the secret given again.
SECRET_GOES_TO = {"ga4": ("endpoint", "api_secret"), "matomo": ("url", "token_auth")}


def refuse_moved_secret(webhook: Webhook, fields: dict[str, Any], problems: Problems) -> None:
    """The stored secret was entered for the stored address; whoever moves the address (a
    member, say) must give it again rather than have it sent somewhere its owner never chose
    (docs/webhooks.md, "Who may change what", for webhooks' headers)."""
    if webhook.id is None:
        return  # new: the secret is required anyway
    address, secret = SECRET_GOES_TO[webhook.kind]
    if address not in fields or secret in fields:
        return
    before = request_url(webhook.kind, webhook.settings)
    after = request_url(webhook.kind, {**webhook.settings, address: fields[address]})
    if moved_origin(before, after):
        problems.add(
            secret, f"{address} now points to another server: give the {secret} again for it"
        )


def request_url(kind: str, settings: dict[str, Any]) -> str:
    if kind == "ga4":
        return ga4.collect_url(settings)
    return matomo.tracker_url(str(settings["url"]))


# --- Each tool's settings --------------------------------------------------------------------


def guarded(check: Callable[[Any], Any]) -> Callable[[Context, Any, Problems, str], Any]:
    def run(context: Context, value: Any, problems: Problems, path: str) -> Any:
        return problems.guard(path, check, value)

    return run


def as_given(context: Context, value: Any, problems: Problems, path: str) -> Any:
    return value


def checked_url(context: Context, value: Any, problems: Problems, path: str) -> Any:
    """An address Dialtrail will send to (its form checked with the request, schemas.py):
    the private-address guard, which depends on the server's setting."""
    refusal = refused_target(str(value), context.allow_private)
    if refusal:
        problems.add(path, refusal)
    return value


def checked_endpoint(context: Context, value: Any, problems: Problems, path: str) -> Any:
    if value in ga4.HOSTS:
        return value
    return checked_url(context, value, problems, path)


SETTING_CHECKS: dict[str, dict[str, Callable[[Context, Any, Problems, str], Any]]] = {
    "ga4": {
        "measurement_id": as_given,
        "api_secret": as_given,
        "event_name": as_given,
        "endpoint": checked_endpoint,
    },
    "matomo": {
        "url": checked_url,
        "site_id": guarded(matomo.check_site_id),
        "token_auth": as_given,
    },
}


# --- Parameters ------------------------------------------------------------------------------


def ga4_parameters(
    context: Context, parameters: list[dict[str, Any]], problems: Problems
) -> list[dict[str, Any]]:
    """The webhooks' checks (catalogue keys, constants, unique names), then GA4's limit: at
    most 22 of them (25 with the three Dialtrail sends). Names and constants are checked with
    the request (schemas.Ga4Parameter)."""
    if len(parameters) > ga4.MAX_PARAMETERS:
        problems.add(
            f"parameters.{ga4.MAX_PARAMETERS}",
            f"GA4 takes 25 parameters per event and Dialtrail sends 3 itself "
            f"({', '.join(ga4.AUTOMATIC_PARAMETERS)}): at most {ga4.MAX_PARAMETERS} here",
        )
    return service.clean_parameters(context, parameters, problems)


PARAMETER_CHECKS = {"ga4": ga4_parameters, "matomo": service.clean_parameters}


def public_settings(webhook: Webhook, box: SecretBox) -> dict[str, Any]:
    """The settings as the API and the admin show them: secrets masked."""
    shown = dict(webhook.settings or {})
    for name in SEALED.get(webhook.kind, ()):
        if shown.get(name):
            shown[name] = masked(service.open_or_empty(box, shown[name]))
    return shown


def analytics_cookies(db: Session, project: Project) -> dict[str, str]:
    """Which of the analytics tools' cookies the insertion script reads, for a site that has
    several: GA4's session from ``_ga_<stream>`` of the measurement id sent to
    (``G-K3Q9ZL2M7P`` → ``_ga_K3Q9ZL2M7P``), Matomo's visitor from ``_pk_id.<site id>.…``; the
    first integration of each tool that is on. None: the script reads the first it finds."""
    query = (
        select(Webhook.kind, Webhook.settings)
        .where(Webhook.project_id == project.id, Webhook.enabled.is_(True))
        .where(Webhook.kind.in_(("ga4", "matomo")))
        .order_by(Webhook.id.desc())  # the first one wins below
    )
    cookies = {}
    for kind, settings in db.execute(query):
        if kind == "ga4":
            cookies["ga4"] = str(settings["measurement_id"]).removeprefix("G-")
        else:
            cookies["pk"] = str(settings["site_id"])
    return cookies
