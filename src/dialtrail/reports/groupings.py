"""What a report can group calls by, each as SQL over a call and its attributed session, the
sessions of the same group (for the calls per 100 sessions), and the calls journal's filter
that shows a group's calls.

The visit's dimensions are read from the session's columns (what the call's visit snapshot
copied at call start, and never changed since); the call's own from the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, null, select

from dialtrail.calls.models import Call
from dialtrail.sessions.models import WebSession

VISIT_GROUPINGS = ("channel", "source", "medium", "campaign", "landing_page")
CALL_GROUPINGS = ("tracking_number", "attribution", "disposition")
GROUPINGS = (*VISIT_GROUPINGS, *CALL_GROUPINGS)
ENTITY_PREFIX = "entity."
LABELS = {
    "channel": "Channel",
    "source": "Source",
    "medium": "Medium",
    "campaign": "Campaign",
    "landing_page": "Landing page",
    "tracking_number": "Tracking number",
    "attribution": "Attribution",
    "disposition": "Disposition",
}


@dataclass(frozen=True)
class Grouping:
    """``name`` as the API spells it (``channel``, ``entity.visit_id``)."""

    name: str

    @property
    def entity(self) -> str | None:
        return self.name.removeprefix(ENTITY_PREFIX) if self.is_entity else None

    @property
    def is_entity(self) -> bool:
        return self.name.startswith(ENTITY_PREFIX)

    @property
    def label(self) -> str:
        return f"Entity {self.entity}" if self.entity else LABELS[self.name]

    @property
    def counts_sessions(self) -> bool:
        """Do the group's sessions make sense (a visit's dimension), or only the total?"""
        return self.name in VISIT_GROUPINGS

    def call_key(self, dialect: str) -> Any:
        if self.entity is not None:
            # The snapshot at call start: the value the CRM received with the call.
            return Call.entities[(self.entity, "value")].as_string()
        return call_keys(dialect)[self.name]

    def session_key(self, dialect: str) -> Any:
        return session_keys(dialect)[self.name] if self.counts_sessions else null()

    def journal_filter(self, key: str | None) -> dict[str, str] | None:
        """The calls journal's (and the calls API's) parameters that list this group's calls;
        None where no filter selects it (a group of calls without the value)."""
        if key is None:
            return None
        if self.entity is not None:
            return {"entity": self.entity, "value": key}
        return {JOURNAL_FILTERS[self.name]: key}


JOURNAL_FILTERS = {
    "channel": "channel",
    "source": "source",
    "medium": "utm_medium",
    "campaign": "utm_campaign",
    "landing_page": "landing_page",
    "tracking_number": "tracking_number",
    "attribution": "attribution",
    "disposition": "disposition",
}


def call_keys(dialect: str) -> dict[str, Any]:
    return {
        "channel": of_visit(WebSession.channel),
        # What the journal calls a call's source: the visit's utm_source, else a static label.
        "source": func.coalesce(of_visit(WebSession.utm_source), Call.source_label),
        "medium": of_visit(WebSession.utm_medium),
        "campaign": of_visit(WebSession.utm_campaign),
        "landing_page": of_visit(page_address(WebSession.landing_page, dialect)),
        "tracking_number": Call.tracking_number,
        "attribution": Call.attribution,
        "disposition": Call.disposition,
    }


def of_visit(value: Any) -> Any:
    """The call's session's value, looked up by primary key per call: the planner cannot
    mistake it for a join over every session."""
    return select(value).where(WebSession.id == Call.session_id).scalar_subquery()


def session_keys(dialect: str) -> dict[str, Any]:
    return {
        "channel": WebSession.channel,
        "source": WebSession.utm_source,
        "medium": WebSession.utm_medium,
        "campaign": WebSession.utm_campaign,
        "landing_page": page_address(WebSession.landing_page, dialect),
    }


def page_address(url: Any, dialect: str) -> ColumnElement[Any]:
    """The URL without its query and fragment: one landing page, whatever its UTM tags."""
    if dialect == "postgresql":
        return func.split_part(func.split_part(url, "?", 1), "#", 1)
    return before(before(url, "?"), "#")


def before(text: Any, character: str) -> ColumnElement[Any]:
    position = func.instr(text, character)
    return case((position > 0, func.substr(text, 1, position - 1)), else_=text)


def check_grouping(name: str) -> Grouping | str:
    """The grouping, or what is wrong with the name."""
    if name in GROUPINGS:
        return Grouping(name)
    if name.startswith(ENTITY_PREFIX) and name != ENTITY_PREFIX:
        return Grouping(name)
    return f"must be one of {', '.join(GROUPINGS)}, or entity.<name>"
