"""A visit that holds the called number now, with the analytics ids a script would have read,
for the GA4 and Matomo integration tests."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from dialtrail.numbers.models import NumberLease, TrackingNumber
from dialtrail.sessions.models import Visitor, WebSession
from tests.support.hooks import Hooks

CALLED = "+380441112299"  # what Hooks.report calls
ANALYTICS = {
    "ga_client_id": "1197596843.1764921000",
    "ga_session_id": "1764921600",
    "ga_session_number": 3,
    "matomo_visitor_id": "5f2c9a1e0b7d4c38",
    "utm_campaign": "winter",
    "utm_term": "plumber",
}


def visit_holding_the_number(hooks: Hooks, **fields: Any) -> str:
    """A session leasing the called number around now; its key."""
    now = hooks.event_time()
    project_id = hooks.world.project_id
    key = secrets.token_hex(8)
    with hooks.database.session() as db:
        number = TrackingNumber(project_id=project_id, number=CALLED, kind="pool")
        visitor = Visitor(project_id=project_id, key=key, first_seen_at=now, last_seen_at=now)
        db.add_all([number, visitor])
        db.flush()
        session = WebSession(
            project_id=project_id,
            visitor_id=visitor.id,
            key=key,
            started_at=now - timedelta(minutes=5),
            last_activity_at=now,
            **{**ANALYTICS, **fields},
        )
        db.add(session)
        db.flush()
        db.add(
            NumberLease(
                project_id=project_id,
                number_id=number.id,
                session_id=session.id,
                started_at=now - timedelta(minutes=5),
                renewed_at=now - timedelta(minutes=1),
                expires_at=now + timedelta(minutes=10),
            )
        )
        db.commit()
    return key
