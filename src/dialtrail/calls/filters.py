"""The query parameters of the call list and the CSV export, checked into ``CallFilters``.

Both endpoints take the same filters, so a spreadsheet holds exactly the calls the list shows.
Every refusal is a 422 naming the parameter as the client spelt it (``from``, not ``start``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query
from pydantic import AwareDatetime

from dialtrail.api.errors import invalid_field
from dialtrail.calls.models import ATTRIBUTIONS, DISPOSITIONS
from dialtrail.entities.rules import check_name
from dialtrail.projects.validation import normalise_phone_number
from dialtrail.sessions.models import CLIENT_ID_LENGTH


@dataclass(frozen=True)
class CallFilters:
    start: datetime | None = None
    end: datetime | None = None
    attributions: tuple[str, ...] = ()
    dispositions: tuple[str, ...] = ()
    utm_source: str | None = None
    tracking_number: str | None = None
    caller: str | None = None
    entity: str | None = None
    value: str | None = None
    session_key: str | None = None
    source: str | None = None
    channel: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    landing_page: str | None = None


@dataclass(frozen=True)
class CallParameters:
    """The parameters as received (types checked by FastAPI, meaning not yet)."""

    start: datetime | None
    end: datetime | None
    attribution: list[str]
    disposition: list[str]
    utm_source: str | None
    tracking_number: str | None
    caller: str | None
    entity: str | None
    value: str | None
    session_id: str | None
    source: str | None = None
    channel: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    landing_page: str | None = None


def call_parameters(
    start: Annotated[
        AwareDatetime | None,
        Query(alias="from", description="Started at or after (ISO 8601 with an offset)."),
    ] = None,
    end: Annotated[
        AwareDatetime | None,
        Query(alias="to", description="Started before (ISO 8601 with an offset)."),
    ] = None,
    *,
    others: Annotated[CallParameters, Depends(filter_parameters)],
) -> CallParameters:
    return replace(others, start=start, end=end)


def filter_parameters(
    attribution: Annotated[
        list[str] | None,
        Query(description="One or several (repeat it, or separate with commas).", max_length=20),
    ] = None,
    disposition: Annotated[
        list[str] | None, Query(description="One or several, as `attribution`.", max_length=20)
    ] = None,
    utm_source: Annotated[str | None, Query(max_length=255)] = None,
    tracking_number: Annotated[str | None, Query(max_length=64)] = None,
    caller: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=64, description="An entity name.")] = None,
    value: Annotated[
        str | None, Query(max_length=1000, description="With `entity`: its value at call start.")
    ] = None,
    session_id: Annotated[
        str | None, Query(max_length=CLIENT_ID_LENGTH, description="A session id (_dt_s).")
    ] = None,
    source: Annotated[
        str | None,
        Query(max_length=255, description="The call's source: its `utm_source` or static label."),
    ] = None,
    channel: Annotated[
        str | None, Query(max_length=32, description="The visit's channel (docs/reports.md).")
    ] = None,
    utm_medium: Annotated[str | None, Query(max_length=255)] = None,
    utm_campaign: Annotated[str | None, Query(max_length=255)] = None,
    landing_page: Annotated[
        str | None,
        Query(max_length=2000, description="The visit's landing page, without its query."),
    ] = None,
) -> CallParameters:
    """Every filter but the time range: the reports take their period in days instead."""
    return CallParameters(
        start=None,
        end=None,
        attribution=attribution or [],
        disposition=disposition or [],
        utm_source=utm_source,
        tracking_number=tracking_number,
        caller=caller,
        entity=entity,
        value=value,
        session_id=session_id,
        source=source,
        channel=channel,
        utm_medium=utm_medium,
        utm_campaign=utm_campaign,
        landing_page=landing_page,
    )


def check_parameters(parameters: CallParameters, country: str | None) -> CallFilters:
    """Raises a 422 naming the first parameter at fault."""
    refuse_nul_characters(parameters)
    if parameters.start and parameters.end and parameters.end <= parameters.start:
        raise invalid_field("to", "must be later than `from`")
    if parameters.value is not None and parameters.entity is None:
        raise invalid_field("value", "give the entity's name in `entity` too")
    return CallFilters(
        start=parameters.start,
        end=parameters.end,
        attributions=choices("attribution", parameters.attribution, ATTRIBUTIONS),
        dispositions=choices("disposition", parameters.disposition, DISPOSITIONS),
        utm_source=parameters.utm_source,
        tracking_number=phone_number("tracking_number", parameters.tracking_number, country),
        caller=phone_number("caller", parameters.caller, country),
        entity=entity_name(parameters.entity),
        value=parameters.value,
        session_key=parameters.session_id,
        source=parameters.source,
        channel=parameters.channel,
        utm_medium=parameters.utm_medium,
        utm_campaign=parameters.utm_campaign,
        landing_page=parameters.landing_page,
    )


def refuse_nul_characters(parameters: CallParameters) -> None:
    # PostgreSQL cannot compare text holding NUL (it errors); no stored value contains one.
    texts = {
        "utm_source": parameters.utm_source,
        "tracking_number": parameters.tracking_number,
        "caller": parameters.caller,
        "entity": parameters.entity,
        "value": parameters.value,
        "session_id": parameters.session_id,
        "source": parameters.source,
        "channel": parameters.channel,
        "utm_medium": parameters.utm_medium,
        "utm_campaign": parameters.utm_campaign,
        "landing_page": parameters.landing_page,
    }
    for name, text in texts.items():
        if text is not None and "\x00" in text:
            raise invalid_field(name, "may not contain the NUL character (\\u0000)")


def choices(name: str, given: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    values = [part.strip() for item in given for part in item.split(",")]
    for value in values:
        if value not in allowed:
            raise invalid_field(name, f"{value[:40]!r} is not one of {', '.join(allowed)}")
    return tuple(dict.fromkeys(values))


def phone_number(name: str, raw: str | None, country: str | None) -> str | None:
    # Any spelling of the number finds the calls: they are stored in E.164.
    if raw is None:
        return None
    try:
        return normalise_phone_number(raw, country)
    except ValueError as error:
        raise invalid_field(name, str(error)) from None


def entity_name(raw: str | None) -> str | None:
    # The name becomes a JSON path in SQL; only well-formed names get that far.
    if raw is None:
        return None
    try:
        return check_name(raw)
    except ValueError as error:
        raise invalid_field("entity", str(error)) from None
