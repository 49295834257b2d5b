"""The fields of a visit as a call's snapshot carries them (docs/design.md §1, §5): one definition.

``calls/snapshots.py`` fills exactly these keys and the webhook catalogue
(``webhooks/catalogue.py``) derives its ``visit.*`` fields from them, so a field stored on the
visit is always a webhook parameter too (``visit.fbclid`` and ``visit.yclid`` once were not).
A test compares this definition with a real snapshot's keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VisitFieldType = Literal["string", "integer", "datetime"]


@dataclass(frozen=True)
class VisitField:
    name: str
    type: VisitFieldType
    description: str
    example: str | int


VISIT_FIELDS: tuple[VisitField, ...] = (
    VisitField("session_id", "string", "The visit's id (cookie _dt_s).", "SRX41cvhnP1g"),
    VisitField("visitor_id", "string", "The browser's id (cookie _dt_v).", "dXcnMSxsp9Sh"),
    VisitField("ga_client_id", "string", "Google Analytics client id (from _ga).", "123.456"),
    VisitField("utm_source", "string", "utm_source of the landing page.", "google"),
    VisitField("utm_medium", "string", "utm_medium of the landing page.", "cpc"),
    VisitField("utm_campaign", "string", "utm_campaign of the landing page.", "spring"),
    VisitField("utm_content", "string", "utm_content of the landing page.", "ad-2"),
    VisitField("utm_term", "string", "utm_term of the landing page.", "plumber"),
    VisitField("gclid", "string", "Google Ads click id.", "Cj0KCQ…"),
    VisitField("fbclid", "string", "Facebook (Meta) click id.", "IwAR2x…"),
    VisitField("yclid", "string", "Yandex Direct click id.", "4834271…"),
    VisitField("referrer", "string", "Where the visitor came from.", "https://www.google.com/"),
    VisitField(
        "landing_page",
        "string",
        "The visit's first page.",
        "https://shop.example.com/?utm_source=google",
    ),
    VisitField(
        "page_url",
        "string",
        "The page the visitor saw last before the call.",
        "https://shop.example.com/contacts",
    ),
    VisitField("started_at", "datetime", "When the visit started.", "2026-11-27T10:02:11Z"),
    VisitField("page_views", "integer", "Pages viewed in the visit.", 4),
    VisitField("user_agent", "string", "The visitor's browser.", "Mozilla/5.0 …"),
)
