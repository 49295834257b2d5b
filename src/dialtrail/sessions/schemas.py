"""Response bodies of the sessions API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SourceFields(BaseModel):
    landing_page: str
    referrer: str
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_content: str | None
    utm_term: str | None
    gclid: str | None
    gbraid: str | None
    wbraid: str | None
    msclkid: str | None
    fbclid: str | None
    yclid: str | None
    channel: str = Field(
        description="Google Analytics 4's default channel group (docs/reports.md)."
    )


class EntityValue(BaseModel):
    value: str | None
    truncated: bool
    observed_at: datetime
    page_url: str | None = Field(description="The page the value was seen on.")


class SessionSummary(SourceFields):
    id: str = Field(description="The session id (the _dt_s cookie, as dialtrail.session() shows).")
    visitor_id: str
    ga_client_id: str | None
    ga_session_id: str | None = Field(description="GA4's session id, from _ga_<stream>.")
    ga_session_number: int | None = Field(description="GA4's session number, from _ga_<stream>.")
    matomo_visitor_id: str | None = Field(description="Matomo's visitor id, from _pk_id.")
    started_at: datetime
    last_activity_at: datetime
    page_views: int
    entities: dict[str, str | None] = Field(
        description="Each entity's current session value (docs/design.md §2)."
    )


class SessionList(BaseModel):
    items: list[SessionSummary]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next (older) page.")


class PageViewOut(BaseModel):
    id: str
    url: str
    title: str
    referrer: str
    viewed_at: datetime
    values: dict[str, str | None] = Field(description="Page-view-scope entities on this page.")


class ObservationOut(BaseModel):
    entity: str
    value: str | None
    truncated: bool
    observed_at: datetime
    page_view_id: str | None


class SessionDetail(SessionSummary):
    user_agent: str
    ip: str = Field(description="Truncated: /24 for IPv4, /48 for IPv6.")
    entity_values: dict[str, EntityValue]
    page_view_list: list[PageViewOut]
    entity_history: list[ObservationOut]
