"""A project ready to take calls, written straight to the scratch database: a pool of tracking
numbers, each leased to a visit of its own (a session with page views and a value for each of
the project's entities), an API token, and webhooks subscribed to ``call.completed``.

Every call of the telephony benchmark is then attributed to a session (attribution
``session``), so each new call takes the full visit and entity snapshots, and each ``ended``
event writes one delivery per webhook.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dialtrail.entities.models import TrackingEntity
from dialtrail.numbers.models import NumberLease, TrackingNumber
from dialtrail.secrets import SecretBox
from dialtrail.sessions.models import EntityObservation, PageView, Visitor, WebSession
from harness import webhook_rows

POOL_PREFIX = "+38044111"  # pool numbers: +380441110000, +380441110001, …
PAGES = (
    "https://shop.example.com/?utm_source=newsletter&utm_medium=email",
    "https://shop.example.com/catalogue",
    "https://shop.example.com/product/42",
    "https://shop.example.com/cart",
)


@dataclass(frozen=True)
class CallScene:
    numbers: list[str]  # E.164, each leased to its own session
    token: str  # an API token of the project's owner
    webhook_ids: list[int]


def prepare(
    engine: Engine, project_id: int, owner_id: int, numbers: int, webhooks: int, now: datetime
) -> CallScene:
    """Visits started 30 minutes before ``now``; leases run from then until a day after."""
    pool = [f"{POOL_PREFIX}{index:04d}" for index in range(numbers)]
    with webhook_rows.sessions(engine) as db:
        entity_ids = list(
            db.scalars(
                select(TrackingEntity.id)
                .where(TrackingEntity.project_id == project_id)
                .order_by(TrackingEntity.id)
            )
        )
        for number in pool:
            add_leased_visit(db, project_id, number, entity_ids, now - timedelta(minutes=30))
        db.commit()
    token = webhook_rows.add_token(engine, owner_id)
    box = SecretBox(secrets.token_urlsafe(48))  # the API never opens webhook secrets
    # Never delivered: the server under test runs without the delivery worker.
    ids = [
        webhook_rows.add_webhook(engine, project_id, f"http://127.0.0.1:9/crm-{index}", box)
        for index in range(webhooks)
    ]
    return CallScene(pool, token, ids)


def add_leased_visit(
    db: Session,
    project_id: int,
    number: str,
    entity_ids: list[int],
    started: datetime,
) -> None:
    tracking_number = TrackingNumber(project_id=project_id, number=number, kind="pool")
    visitor = Visitor(
        project_id=project_id, key=secrets.token_urlsafe(16), first_seen_at=started,
        last_seen_at=started,
    )  # fmt: skip
    db.add_all([tracking_number, visitor])
    db.flush()
    session = new_session(project_id, visitor.id, started)
    db.add(session)
    db.flush()
    add_pages_and_values(db, session.id, entity_ids, started)
    db.add(
        NumberLease(
            project_id=project_id,
            number_id=tracking_number.id,
            session_id=session.id,
            shared=False,
            started_at=started,
            renewed_at=started + timedelta(minutes=5),
            expires_at=started + timedelta(days=1),
        )
    )


def new_session(project_id: int, visitor_id: int, started: datetime) -> WebSession:
    return WebSession(
        project_id=project_id,
        visitor_id=visitor_id,
        key=secrets.token_urlsafe(16),
        started_at=started,
        last_activity_at=started + timedelta(minutes=5),
        landing_page=PAGES[0],
        referrer="https://www.google.com/",
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="black-friday",
        ga_client_id="GA1.1.123456789.1700000000",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari",
        page_views=len(PAGES),
    )


def add_pages_and_values(
    db: Session, session_id: int, entity_ids: list[int], started: datetime
) -> None:
    """A page view a minute, and each entity's value observed on the last page."""
    pages = [
        PageView(
            session_id=session_id,
            key=secrets.token_urlsafe(16),
            url=url,
            viewed_at=started + timedelta(minutes=minute),
        )
        for minute, url in enumerate(PAGES)
    ]
    db.add_all(pages)
    db.flush()
    last = pages[-1]
    db.add_all(
        EntityObservation(
            session_id=session_id,
            page_view_id=last.id,
            entity_id=entity_id,
            value=secrets.token_urlsafe(9),
            observed_at=last.viewed_at,
        )
        for entity_id in entity_ids
    )
