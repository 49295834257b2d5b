"""What the next page shows once: a notice after a redirect, or a secret shown a single time.

Post/Redirect/Get: a form's POST does its work, hands what the next page must show to
``flash`` (a notice) or ``keep_once`` (anything else, such as a new token's secret), and
answers 303. The GET that follows takes it, so reloading that page shows it no more and never
re-posts the form.

Entries are kept on the server, keyed by the login session (never in a URL or a cookie), and
live at most ``LIFETIME``: a secret nobody came to see does not stay in memory. They are in
this process's memory: behind a load balancer with several ``dialtrail serve`` processes, the
redirect must reach the same process (sticky sessions) for the page to show them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request

from dialtrail.admin.auth import Admin, clock_of

LIFETIME = timedelta(minutes=10)
# A bound on what one login session can pile up (a script posting a form in a loop).
MAX_PER_KIND = 20
NOTICE = "notice"


@dataclass(frozen=True)
class Entry:
    value: Any
    expires_at: datetime


class FlashStore:
    """Values waiting for the next page of one login session, each taken once."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], list[Entry]] = {}
        self._lock = threading.Lock()  # sync routes run on a thread pool

    def put(self, login_id: int, kind: str, value: Any, now: datetime) -> None:
        with self._lock:
            self._forget_expired(now)
            waiting = self._entries.setdefault((login_id, kind), [])
            waiting.append(Entry(value, now + LIFETIME))
            del waiting[:-MAX_PER_KIND]

    def take(self, login_id: int, kind: str, now: datetime) -> list[Any]:
        with self._lock:
            waiting = self._entries.pop((login_id, kind), [])
        return [entry.value for entry in waiting if entry.expires_at > now]

    def _forget_expired(self, now: datetime) -> None:
        for key, waiting in list(self._entries.items()):
            live = [entry for entry in waiting if entry.expires_at > now]
            if live:
                self._entries[key] = live
            else:
                del self._entries[key]


def store_of(request: Request) -> FlashStore:
    store: FlashStore = request.app.state.flashes
    return store


def keep_once(request: Request, admin: Admin, kind: str, value: Any) -> None:
    """Keeps ``value`` for the next page of this login session that asks for ``kind``."""
    store_of(request).put(admin.login.id, kind, value, clock_of(request))


def take_once(request: Request, admin: Admin, kind: str) -> Any | None:
    """The latest value kept for ``kind`` (None when there is none); gone once taken."""
    values = store_of(request).take(admin.login.id, kind, clock_of(request))
    return values[-1] if values else None


def flash(request: Request, admin: Admin, message: str) -> None:
    """A confirmation shown at the top of the next page this login session sees."""
    keep_once(request, admin, NOTICE, message)


def take_notices(request: Request, admin: Admin | None) -> list[str]:
    if admin is None:
        return []
    return [str(text) for text in store_of(request).take(admin.login.id, NOTICE, clock_of(request))]
