"""When to try a failed delivery again (docs/design.md §6): 5 s, 5 min, 30 min, 2 h, 5 h,
10 h, 10 h, each with ±10 % jitter (so a receiver that comes back is not hit by every
delivery at once), or later when the receiver asks so with ``Retry-After``. After the last
retry the delivery has failed for good and waits on the webhook's error page.

The schedule counts the attempts made since the latest resend, except those a user asked for
with *Retry now*: a retry now that fails goes back to the try the schedule had planned, so
pressing it never makes a delivery fail for good sooner."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from dialtrail.webhooks.models import WebhookDelivery

SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
JITTER = 0.1
LONGEST_WAIT = timedelta(hours=10)
# A webhook failing for this long without a single success is disabled (and flagged).
DISABLE_AFTER = timedelta(days=5)


def next_attempt_at(
    attempts_made: int,
    now: datetime,
    retry_after: timedelta | None = None,
    rng: random.Random | None = None,
) -> datetime | None:
    """After ``attempts_made`` failed attempts: when to try again, or None (failed)."""
    if attempts_made > len(SCHEDULE):
        return None
    planned = SCHEDULE[attempts_made - 1] * (1 + (rng or random).uniform(-JITTER, JITTER))
    if retry_after is not None:
        planned = max(planned, min(retry_after, LONGEST_WAIT))
    return now + planned


def after_failure(
    delivery: WebhookDelivery, now: datetime, retry_after: timedelta | None
) -> datetime | None:
    """After a failed attempt (already counted in ``attempts``): when to try again, or None.
    A retry now whose planned try is still ahead is outside the schedule: back to that try."""
    planned, delivery.retry_planned_at = delivery.retry_planned_at, None
    if planned is not None and planned > now:
        delivery.unscheduled_attempts += 1
        if retry_after is not None:
            return max(planned, now + min(retry_after, LONGEST_WAIT))
        return planned
    return next_attempt_at(delivery.attempts - delivery.unscheduled_attempts, now, retry_after)


def parse_retry_after(header: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or as an HTTP date; None when absent or unreadable."""
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(moment - now, timedelta(0))
