"""The visit a call carries (docs/design.md §1, §5), defined once, typed.

``VisitSnapshot`` is the session's sources plus the page the visitor was on when the call
started, as a call stores it and every consumer reads it. The rest derives from it, so a field
added here reaches them all and a field added anywhere else fails a test
(tests/sessions/test_visit_shape.py):

- the webhook catalogue's ``visit.*`` fields (``webhooks/catalogue.py``), with the description
  and example written here;
- the CSV's ``visit.*`` columns and the call page's rows (``calls/export.py``);
- the landing page's query parameters the collector stores on the session
  (``collector/sources.py``) and the session page's source rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dialtrail.described import JsonScalar, about, as_json, described_fields


@dataclass(frozen=True)
class VisitSnapshot:
    session_id: str = field(metadata=about("The visit's id (cookie _dt_s).", "SRX41cvhnP1g"))
    visitor_id: str = field(metadata=about("The browser's id (cookie _dt_v).", "dXcnMSxsp9Sh"))
    ga_client_id: str | None = field(
        metadata=about("Google Analytics client id (from _ga).", "123.456")
    )
    ga_session_id: str | None = field(
        metadata=about("Google Analytics 4 session id (from _ga_<stream>).", "1764921600")
    )
    ga_session_number: int | None = field(
        metadata=about("Google Analytics 4 session number (from _ga_<stream>).", 3)
    )
    matomo_visitor_id: str | None = field(
        metadata=about("Matomo visitor id (from _pk_id).", "5f2c9a1e0b7d4c38")
    )
    utm_source: str | None = field(
        metadata=about("utm_source of the landing page.", "google", landing=True)
    )
    utm_medium: str | None = field(
        metadata=about("utm_medium of the landing page.", "cpc", landing=True)
    )
    utm_campaign: str | None = field(
        metadata=about("utm_campaign of the landing page.", "spring", landing=True)
    )
    utm_content: str | None = field(
        metadata=about("utm_content of the landing page.", "ad-2", landing=True)
    )
    utm_term: str | None = field(
        metadata=about("utm_term of the landing page.", "plumber", landing=True)
    )
    gclid: str | None = field(metadata=about("Google Ads click id.", "Cj0KCQ…", landing=True))
    gbraid: str | None = field(
        metadata=about("Google Ads click id of an iOS app-measured click.", "0AAAAA…", landing=True)
    )
    wbraid: str | None = field(
        metadata=about("Google Ads click id of an iOS web-measured click.", "CkAKCQ…", landing=True)
    )
    msclkid: str | None = field(
        metadata=about("Microsoft Advertising click id.", "f894f652ea33…", landing=True)
    )
    fbclid: str | None = field(metadata=about("Facebook (Meta) click id.", "IwAR2x…", landing=True))
    yclid: str | None = field(metadata=about("Yandex Direct click id.", "4834271…", landing=True))
    channel: str | None = field(
        metadata=about(
            "The visit's channel: Google Analytics 4's default channel group.", "Paid Search"
        )
    )
    referrer: str | None = field(
        metadata=about("Where the visitor came from.", "https://www.google.com/")
    )
    landing_page: str | None = field(
        metadata=about("The visit's first page.", "https://shop.example.com/?utm_source=google")
    )
    page_url: str | None = field(
        metadata=about(
            "The page the visitor saw last before the call.", "https://shop.example.com/contacts"
        )
    )
    started_at: datetime = field(metadata=about("When the visit started.", "2026-11-27T10:02:11Z"))
    page_views: int = field(metadata=about("Pages viewed in the visit.", 4))
    user_agent: str | None = field(metadata=about("The visitor's browser.", "Mozilla/5.0 …"))

    def as_json(self) -> dict[str, JsonScalar]:
        """As a call stores it: plain JSON, the time as ISO 8601 text in UTC."""
        return as_json(self)


VISIT_FIELDS = described_fields(VisitSnapshot)
LANDING_PARAMETERS = tuple(field.name for field in VISIT_FIELDS if field.landing)
"""UTM tags and click ids, in the order above: the collector reads them from the landing URL."""
