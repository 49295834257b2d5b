"""The seam where what follows a recorded call event hooks in, inside the same transaction.

``ingest.record_event`` calls ``announce`` once per new (not duplicate) event, after the call
and the event row are flushed and before the caller commits. The webhooks outbox (docs/design.md §6:
"the delivery is written in the same transaction as the call event that causes it") is the
listener, wired in by ``wiring.py`` (``webhooks`` sits above ``calls``), so a delivery exists
exactly when its event does.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from dialtrail.calls.models import Call, CallEvent
from dialtrail.hooks import Hooks

CallEventListener = Callable[[Session, Call, CallEvent], object]

CALL_EVENT_LISTENERS: Hooks[CallEventListener] = Hooks("what follows a recorded call event")


def announce(db: Session, call: Call, event: CallEvent) -> None:
    for listener in CALL_EVENT_LISTENERS:
        listener(db, call, event)
