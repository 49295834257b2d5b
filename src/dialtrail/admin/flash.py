"""What the next page shows once: a notice after a redirect, or a secret shown a single time.

Post/Redirect/Get: a form's POST does its work, hands what the next page must show to
``flash`` (a notice) or ``keep_once`` (anything else, such as a new token's secret) within
its own transaction, and answers 303. The GET that follows takes it, so reloading that page
shows it no more and never re-posts the form.

Entries are rows of ``admin_flashes`` keyed by the login session (never in a URL or a
cookie), so whichever server process serves the next page finds them; values are sealed with
the server's key and live at most ``LIFETIME``: a secret nobody came to see does not stay.
Notices are taken when a signed-in GET begins (auth.signed_in) and shown by the layout.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dialtrail.admin.models import AdminFlash
from dialtrail.projects.models import LoginSession
from dialtrail.secrets import SecretBox

if TYPE_CHECKING:
    from dialtrail.admin.auth import Admin

LIFETIME = timedelta(minutes=10)
# A bound on what one login session can pile up (a script posting a form in a loop).
MAX_PER_KIND = 20
NOTICE = "notice"


def keep_once(request: Request, admin: Admin, db: Session, kind: str, value: Any) -> None:
    """Keeps ``value`` (anything JSON can hold) for the next page of this login session that
    asks for ``kind``; written with the caller's transaction."""
    put(db, box_of(request), admin.login, kind, value, now_of(request))


def take_once(request: Request, admin: Admin, db: Session, kind: str) -> Any | None:
    """The latest value kept for ``kind`` (None when there is none). The caller commits."""
    values = take(db, box_of(request), admin.login, kind, now_of(request))
    return values[-1] if values else None


def flash(request: Request, admin: Admin, db: Session, message: str) -> None:
    """A confirmation shown at the top of the next page this login session sees."""
    keep_once(request, admin, db, NOTICE, message)


def take_notices(request: Request, db: Session, login: LoginSession) -> list[str]:
    return [str(text) for text in take(db, box_of(request), login, NOTICE, now_of(request))]


def put(
    db: Session, box: SecretBox, login: LoginSession, kind: str, value: Any, now: datetime
) -> None:
    db.execute(delete(AdminFlash).where(AdminFlash.expires_at <= now))
    sealed = box.seal(json.dumps(value))
    db.add(AdminFlash(login_session_id=login.id, kind=kind, sealed_value=sealed,
                      expires_at=now + LIFETIME))  # fmt: skip
    db.flush()
    beyond_bound = (
        select(AdminFlash.id)
        .where(AdminFlash.login_session_id == login.id, AdminFlash.kind == kind)
        .order_by(AdminFlash.id.desc())
        .offset(MAX_PER_KIND)
    )
    db.execute(delete(AdminFlash).where(AdminFlash.id.in_(beyond_bound)))


def take(db: Session, box: SecretBox, login: LoginSession, kind: str, now: datetime) -> list[Any]:
    """Every live value kept for ``kind``, oldest first, deleted as it is read (DELETE …
    RETURNING: two pages loaded at once never both show a secret)."""
    taken = db.execute(
        delete(AdminFlash)
        .where(AdminFlash.login_session_id == login.id, AdminFlash.kind == kind)
        .returning(AdminFlash.id, AdminFlash.sealed_value, AdminFlash.expires_at)
    ).all()
    live = sorted((id, sealed) for id, sealed, expires_at in taken if expires_at > now)
    return [json.loads(box.open(sealed)) for _, sealed in live]


def box_of(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.flash_box
    return box


def now_of(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now
