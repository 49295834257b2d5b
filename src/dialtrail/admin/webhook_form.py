"""The webhook editor's form: rows of parameters, headers and filters as posted by a browser,
turned into the fields of the webhooks API (and back), and the service's problems
(``parameters.2.value``) moved onto the row the person sees.

Pure functions only: the routes in admin/webhooks.py do the database work, and every rule
stays in webhooks/service.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from dialtrail.admin.forms import FormErrors
from dialtrail.api.errors import ApiError, FieldProblem, from_pydantic_errors
from dialtrail.webhooks.filters import field_type
from dialtrail.webhooks.models import WEBHOOK_EVENTS, Webhook
from dialtrail.webhooks.render import DateWriter

NAMED_DATE_FORMATS = ("iso8601", "unix", "unix_ms")
CONSTANT = "constant"  # the value select's choice for a fixed value
NO_VALUE_OPERATORS = ("exists", "not_exists")
LIST_OPERATORS = ("in", "not_in")
ROW_KEY = re.compile(r"^(parameters|headers|filters)-(\d+)-")
EXAMPLE_MOMENT = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
EXAMPLE_PATTERN = "%d.%m.%Y %H:%M"
TOP_FIELDS = ("name", "events", "url", "method", "format", "date_format", "enabled")


@dataclass
class ParameterRow:
    name: str = ""
    source: str = ""  # a catalogue key, CONSTANT, or "" for a row not filled in yet
    constant: str = ""
    # The JSON type of a constant saved through the API (number, boolean), kept while its text
    # still reads as one, so that editing another field does not turn 5 into "5".
    constant_type: str = "text"

    def is_blank(self) -> bool:
        return not (self.name or self.source or self.constant)


@dataclass
class HeaderRow:
    name: str = ""
    value: str = ""  # masked (••••1234) for a stored value: sent back as it is, it is kept

    def is_blank(self) -> bool:
        return not (self.name or self.value)


@dataclass
class FilterRow:
    field: str = ""
    op: str = "eq"
    value: str = ""

    def is_blank(self) -> bool:
        return not (self.field or self.value)


@dataclass
class WebhookForm:
    name: str = ""
    events: list[str] = field(default_factory=lambda: ["call.completed"])
    url: str = ""
    method: str = "POST"
    format: str = "json"
    date_format_choice: str = "iso8601"
    date_format_pattern: str = ""
    parameters: list[ParameterRow] = field(default_factory=lambda: [ParameterRow()])
    headers: list[HeaderRow] = field(default_factory=list)
    filters: list[FilterRow] = field(default_factory=list)
    enabled: bool = True


@dataclass
class RowMap:
    """Which row of the form each item sent to the service came from (blank rows are left
    out, so ``parameters.0`` may be the form's third row)."""

    parameters: list[int] = field(default_factory=list)
    filters: list[int] = field(default_factory=list)
    headers: dict[str, int] = field(default_factory=dict)


# --- From the browser ----------------------------------------------------------------------


def parse_form(posted: dict[str, str]) -> WebhookForm:
    return WebhookForm(
        name=posted.get("name", ""),
        events=[event for event in WEBHOOK_EVENTS if posted.get(f"event-{event}") == "on"],
        url=posted.get("url", ""),
        method=posted.get("method", "POST"),
        format=posted.get("format", "json"),
        date_format_choice=posted.get("date_format_choice", "iso8601"),
        date_format_pattern=posted.get("date_format_pattern", ""),
        parameters=[
            parameter_row(posted, f"parameters-{i}-") for i in row_indices(posted, "parameters")
        ],
        headers=[header_row(posted, f"headers-{i}-") for i in row_indices(posted, "headers")],
        filters=[filter_row(posted, f"filters-{i}-") for i in row_indices(posted, "filters")],
        enabled=posted.get("enabled") == "on",  # an unticked box is not sent at all
    )


def row_indices(posted: dict[str, str], kind: str) -> list[int]:
    found = {int(match[2]) for key in posted if (match := ROW_KEY.match(key)) and match[1] == kind}
    return sorted(found)


def parameter_row(posted: dict[str, str], prefix: str) -> ParameterRow:
    return ParameterRow(
        posted.get(prefix + "name", ""),
        posted.get(prefix + "source", ""),
        posted.get(prefix + "constant", ""),
        posted.get(prefix + "constant_type", "text"),
    )


def header_row(posted: dict[str, str], prefix: str) -> HeaderRow:
    return HeaderRow(posted.get(prefix + "name", "").strip(), posted.get(prefix + "value", ""))


def filter_row(posted: dict[str, str], prefix: str) -> FilterRow:
    return FilterRow(
        posted.get(prefix + "field", ""),
        posted.get(prefix + "op", "eq"),
        posted.get(prefix + "value", ""),
    )


# --- To the service ------------------------------------------------------------------------


def api_fields(form: WebhookForm) -> tuple[dict[str, Any], RowMap]:
    """The body the webhooks API would get for this form, and where each row went."""
    rows = RowMap()
    fields: dict[str, Any] = {
        "name": form.name,
        "events": form.events,
        "url": form.url.strip(),
        "method": form.method,
        "date_format": date_format(form),
        "enabled": form.enabled,
        "parameters": [],
        "headers": {},
        "filters": [],
    }
    if form.method != "GET":
        fields["format"] = form.format  # GET always sends query: the service says so
    for index, parameter in enumerate(form.parameters):
        if not parameter.is_blank():
            rows.parameters.append(index)
            fields["parameters"].append(parameter_fields(parameter))
    for index, header in enumerate(form.headers):
        if not header.is_blank():
            rows.headers.setdefault(header.name, index)
            fields["headers"][header.name] = header.value
    for index, condition in enumerate(form.filters):
        if not condition.is_blank():
            rows.filters.append(index)
            fields["filters"].append(filter_fields(condition))
    return fields, rows


def date_format(form: WebhookForm) -> str:
    if form.date_format_choice in NAMED_DATE_FORMATS:
        return form.date_format_choice
    return form.date_format_pattern


def parameter_fields(row: ParameterRow) -> dict[str, Any]:
    if row.source == CONSTANT:
        return {"name": row.name, "constant": typed_constant(row.constant, row.constant_type)}
    if not row.source:
        return {"name": row.name}  # neither value nor constant: the service says what to do
    return {"name": row.name, "value": row.source}


def typed_constant(text: str, constant_type: str) -> Any:
    if constant_type in ("number", "boolean"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        wanted = bool if constant_type == "boolean" else (int, float)
        if isinstance(parsed, wanted) and (constant_type == "boolean") == isinstance(parsed, bool):
            return parsed
    return text


def filter_fields(row: FilterRow) -> dict[str, Any]:
    condition: dict[str, Any] = {"field": row.field, "op": row.op}
    if row.op in NO_VALUE_OPERATORS and not row.value.strip():
        return condition
    if row.op in LIST_OPERATORS:
        items = [item.strip() for item in row.value.split(",") if item.strip()]
        condition["value"] = [typed_filter_value(row.field, item) for item in items]
    else:
        condition["value"] = typed_filter_value(row.field, row.value)
    return condition


def typed_filter_value(key: str, text: str) -> Any:
    """Text as the field's type, when it reads as one; otherwise the text itself, so that the
    service's message (such as "30 minutes is not a whole number") names what was typed."""
    kind = field_type(key)
    if kind == "integer" and re.fullmatch(r"-?\d{1,18}", text.strip()):
        return int(text.strip())
    if kind == "boolean" and text.strip() in ("true", "false"):
        return text.strip() == "true"
    return text


def date_examples(timezone: str) -> dict[str, Any]:
    """One moment in each date format, written as a delivery writes it in the project's zone
    (the help must not show +02:00 for a project in UTC)."""
    examples = {
        name: DateWriter(name, timezone).write(EXAMPLE_MOMENT) for name in NAMED_DATE_FORMATS
    }
    return {**examples, "pattern": DateWriter(EXAMPLE_PATTERN, timezone).write(EXAMPLE_MOMENT)}


# --- From a stored webhook -------------------------------------------------------------------


def form_of(webhook: Webhook, masked_headers: dict[str, str]) -> WebhookForm:
    named = webhook.date_format in NAMED_DATE_FORMATS
    return WebhookForm(
        name=webhook.name,
        events=list(webhook.events),
        url=webhook.url,
        method=webhook.method,
        format=webhook.format,
        date_format_choice=webhook.date_format if named else "custom",
        date_format_pattern="" if named else webhook.date_format,
        parameters=[stored_parameter(parameter) for parameter in webhook.parameters],
        headers=[HeaderRow(name, value) for name, value in masked_headers.items()],
        filters=[stored_filter(condition) for condition in webhook.filters],
        enabled=webhook.enabled,
    )


def stored_parameter(parameter: dict[str, Any]) -> ParameterRow:
    if "constant" not in parameter:
        return ParameterRow(parameter["name"], parameter["value"])
    constant = parameter["constant"]
    if isinstance(constant, str):
        return ParameterRow(parameter["name"], CONSTANT, constant)
    constant_type = "boolean" if isinstance(constant, bool) else "number"
    return ParameterRow(parameter["name"], CONSTANT, json.dumps(constant), constant_type)


def stored_filter(condition: dict[str, Any]) -> FilterRow:
    value = condition.get("value")
    if isinstance(value, list):
        text = ", ".join(filter_text(item) for item in value)
    else:
        text = "" if value is None else filter_text(value)
    return FilterRow(condition["field"], condition["op"], text)


def filter_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


# --- Problems, at the row they are about ---------------------------------------------------


def row_errors(error: ApiError | ValidationError, rows: RowMap) -> FormErrors:
    """The service's problems keyed by what the form shows: ``parameters.2.value`` for the
    value select of the form's third row; the rest above the form."""
    api_error = error if isinstance(error, ApiError) else from_pydantic_errors(error.errors())
    errors = FormErrors()
    for problem in api_error.fields:
        place = form_place(problem.field, rows)
        if place is None:
            errors.general.append(f"{problem.field}: {problem.message}")
        else:
            errors.fields.setdefault(place, FieldProblem(place, problem.message, problem.position))
    if not api_error.fields:
        errors.general.append(api_error.message)
    return errors


def form_place(path: str, rows: RowMap) -> str | None:
    top = path.split(".", 1)[0]
    if top in TOP_FIELDS:
        return top  # events.1 ("listed twice") is shown at the events
    kind, _, rest = path.partition(".")
    if kind == "headers":
        row = rows.headers.get(rest)
        return None if row is None else f"headers.{row}"
    index, _, part = rest.partition(".")
    sent = rows.parameters if kind == "parameters" else rows.filters if kind == "filters" else None
    if sent is None or not index.isdigit() or int(index) >= len(sent):
        return None
    if kind == "parameters":
        part = "constant" if part == "constant" else "name" if part == "name" else "value"
    else:
        part = part if part in ("field", "op") else "value"
    return f"{kind}.{sent[int(index)]}.{part}"
