"""The rows of a project's conversion files: each enabled definition's matching calls whose
visit came from a click of the network's ads.

A row needs the network's click id on the call's session (``gclid`` for Google Ads,
``msclkid`` for Microsoft Advertising); a call without one is no row. Both networks import
conversions of clicks up to 90 days old, so the files hold the calls of the last 90 days whose
visit started within 90 days; older ones would only be refused. A click id with characters no
network uses (they are base64url or hexadecimal) is left out too: it was typed or mangled, and
the network would refuse the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from dialtrail.calls.models import Call
from dialtrail.conversions.models import AdsConversion
from dialtrail.sessions.models import WebSession

Network = Literal["google", "microsoft"]
NETWORKS: tuple[Network, ...] = get_args(Network)
CLICK_IDS: dict[Network, InstrumentedAttribute[str | None]] = {
    "google": WebSession.gclid,
    "microsoft": WebSession.msclkid,
}
CLICK_WINDOW = timedelta(days=90)
USABLE_CLICK_ID = re.compile(r"[A-Za-z0-9_-]+")
# Attributed to one session; an ambiguous call is nobody's conversion.
ATTRIBUTED = ("session", "late")


@dataclass(frozen=True)
class ConversionRow:
    click_id: str
    name: str
    time: datetime  # the call's start, UTC
    value: str | None
    currency: str | None
    call_id: int


def conversion_rows(
    db: Session, project_id: int, network: Network, now: datetime
) -> list[ConversionRow]:
    """Every enabled definition's rows, oldest call first."""
    definitions = db.scalars(
        select(AdsConversion)
        .where(AdsConversion.project_id == project_id, AdsConversion.enabled)
        .order_by(AdsConversion.id)
    )
    rows = [
        row
        for definition in definitions
        for row in rows_of(db, definition, network, now)
        if USABLE_CLICK_ID.fullmatch(row.click_id)
    ]
    return sorted(rows, key=lambda row: (row.time, row.call_id))


def rows_of(
    db: Session, definition: AdsConversion, network: Network, now: datetime
) -> list[ConversionRow]:
    found = db.execute(matching_calls(definition, network, now)).all()
    return [
        ConversionRow(
            click_id or "",
            definition.name,
            started_at,
            definition.value,
            definition.currency,
            call_id,
        )
        for call_id, started_at, click_id in found
    ]


def matching_calls(
    definition: AdsConversion, network: Network, now: datetime
) -> Select[int, datetime, str | None]:
    click_id = CLICK_IDS[network]
    since = now - CLICK_WINDOW
    query = (
        select(Call.id, Call.started_at, click_id)
        .join(WebSession, WebSession.id == Call.session_id)
        .where(
            Call.project_id == definition.project_id,
            Call.attribution.in_(ATTRIBUTED),
            Call.started_at >= since,
            Call.started_at <= now,
            WebSession.started_at >= since,
            click_id.is_not(None),
            *conditions(definition),
        )
    )
    return query.order_by(Call.started_at, Call.id)


def conditions(definition: AdsConversion) -> list[ColumnElement[bool]]:
    """The definition's filters. An unanswered call has no talk time yet: it counts for a
    talk minimum only once it ended having talked long enough."""
    found: list[ColumnElement[bool]] = []
    if definition.answered_only:
        found.append(Call.answered_at.is_not(None))
    if definition.min_talk_seconds > 0:
        found.append(Call.talk_seconds >= definition.min_talk_seconds)
    if definition.first_call_only:
        found.append(Call.is_first_call.is_(True))
    return found
