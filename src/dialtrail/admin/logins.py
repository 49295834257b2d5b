"""Sign-in sessions of the admin UI and the CSRF tokens derived from them.

The cookie holds a random token; the database keeps only its SHA-256 (as for API tokens), so a
stolen database cannot be replayed as a cookie, and signing out deletes the row. A session
lives 14 days after the last request (sliding), so a daily user stays signed in and a lost
laptop's session dies on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from dialtrail.projects.accounts import hash_token
from dialtrail.projects.models import LoginSession, User

COOKIE_NAME = "dialtrail_admin"
LIFETIME = timedelta(days=14)
# Sliding the expiry on every request would turn every page view into a write; once a minute
# is precise enough for a 14-day lifetime.
SLIDE_PRECISION = timedelta(minutes=1)


def start(db: Session, user: User, now: datetime, user_agent: str, ip: str) -> str:
    """Creates a login session and returns the cookie's token (its hash is stored)."""
    token = secrets.token_urlsafe(32)
    login = LoginSession(
        user=user,
        token_hash=hash_token(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + LIFETIME,
        user_agent=user_agent[:500],
        ip=ip[:64],
    )
    db.add(login)
    db.flush()
    return token


def find(db: Session, token: str, now: datetime) -> LoginSession | None:
    """The live session behind a cookie, its expiry slid forward; None when unknown or over."""
    login = db.scalar(select(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    if login is None or login.expires_at <= now:
        return None
    if now - login.last_seen_at >= SLIDE_PRECISION:
        login.last_seen_at = now
        login.expires_at = now + LIFETIME
    return login


def end(db: Session, login: LoginSession) -> None:
    db.delete(login)
    db.flush()


def end_expired(db: Session, now: datetime) -> int:
    """Deletes the sessions that are over (at each sign-in, and by ``dialtrail prune``, so
    an instance nobody signs in to keeps none); how many it deleted."""
    result = db.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    assert isinstance(result, CursorResult)  # a DELETE's result counts its rows
    return result.rowcount


def csrf_token(key: bytes, login: LoginSession) -> str:
    """Bound to one login session: a token copied from another session is worthless, and
    signing out invalidates every form still open."""
    return hmac.new(key, login.token_hash.encode(), hashlib.sha256).hexdigest()


def csrf_matches(key: bytes, login: LoginSession, given: str) -> bool:
    return hmac.compare_digest(csrf_token(key, login), given)


def anonymous_csrf_token(key: bytes, nonce: str) -> str:
    """For the sign-in form, before any session exists: bound to a random cookie (so another
    site cannot sign a browser in to an account of its choosing)."""
    return hmac.new(key, b"login:" + nonce.encode(), hashlib.sha256).hexdigest()
