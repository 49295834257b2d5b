"""Is this request from Vonage? With signed webhooks on, Vonage sends each Voice API webhook
with ``Authorization: Bearer <JWT>``, signed HS256 with the account's signature secret. Its
claims: ``iat`` (when it was signed), ``payload_hash`` (SHA-256 of the body, hex, when there is
a body), ``api_key``, ``application_id``, ``jti``.

The token is checked with the secret, its ``iat`` must lie within ``TOLERANCE`` of this
server's clock (a token copied from a request cannot be sent again later), and its
``payload_hash`` must be the body's, so a body changed in transit or a token moved to another
request's body is refused. The query string of a GET is not covered: set the Answer URL to
POST (docs/telephony.md). Within the 5 minutes, a token is taken once (``SeenTokens``, by its
``jti``): a copy sent again, perhaps with another query string, is refused as a replay.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

TOLERANCE = timedelta(minutes=5)
# PyJWT would compare times with the system's clock; they are compared here, with the app's.
DECODE_OPTIONS: Any = {
    "require": ["iat"],
    "verify_exp": False,
    "verify_iat": False,
    "verify_nbf": False,
}


class BadToken(ValueError):
    """Why the request is not Vonage's, in words."""


def verified_claims(
    secret: str, authorization: str | None, body: bytes, now: datetime
) -> dict[str, Any]:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BadToken(
            "missing Authorization: Bearer token: the request is not from Vonage, or signed "
            "webhooks are off for the application"
        )
    try:
        claims: dict[str, Any] = jwt.decode(
            token.strip(), secret, algorithms=["HS256"], options=DECODE_OPTIONS
        )
    except jwt.InvalidTokenError as error:
        raise BadToken(
            f"the Authorization token is not signed with the project's Vonage signature secret "
            f"({error})"
        ) from None
    check_fresh(claims["iat"], now)
    check_payload_hash(claims.get("payload_hash"), body)
    return claims


class SeenTokens:
    """The ``jti`` of every token taken by this server process in the last ``2 * TOLERANCE``
    (a token older than ``TOLERANCE`` is refused anyway). Per process and in memory: a
    restart or another process forgets them, which costs at most a repeat of an event Vonage
    already sent, and events are idempotent; the GET query a repeat could change is what
    this stops."""

    def __init__(self) -> None:
        self.seen: dict[str, datetime] = {}  # in the order taken
        self.lock = threading.Lock()

    def first_use(self, jti: str, now: datetime) -> bool:
        with self.lock:
            self.forget_before(now - 2 * TOLERANCE)
            if jti in self.seen:
                return False
            self.seen[jti] = now
            return True

    def forget_before(self, moment: datetime) -> None:
        for jti, taken in list(self.seen.items()):
            if taken >= moment:
                break
            del self.seen[jti]


def check_once(claims: dict[str, Any], seen: SeenTokens, now: datetime) -> None:
    jti = claims.get("jti")
    if isinstance(jti, str) and jti and not seen.first_use(jti[:200], now):
        raise BadToken(
            f"the token {jti[:40]!r} was already used: a replayed request (Vonage signs each "
            "request anew)"
        )


def check_fresh(iat: Any, now: datetime) -> None:
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise BadToken("the token's iat is not a Unix time")
    try:
        signed = datetime.fromtimestamp(iat, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise BadToken("the token's iat is not a Unix time") from None
    if abs(now - signed) > TOLERANCE:
        minutes = int(TOLERANCE.total_seconds() // 60)
        raise BadToken(
            f"the token was signed at {signed.replace(microsecond=0).isoformat()}, more than "
            f"{minutes} minutes from this server's clock "
            f"({now.replace(microsecond=0).isoformat()}): a replayed request, or a wrong clock"
        )


def check_payload_hash(payload_hash: Any, body: bytes) -> None:
    if payload_hash is None:
        return
    expected = hashlib.sha256(body).hexdigest()
    if not isinstance(payload_hash, str) or not hmac.compare_digest(payload_hash.lower(), expected):
        raise BadToken("the token's payload_hash is not the body's: the body was changed")


def token_for(secret: str, body: bytes, at: datetime, **claims: Any) -> str:
    """A token as Vonage signs it: for tests and for checking a set-up by hand."""
    payload = {
        "iat": int(at.timestamp()),
        "jti": secrets.token_hex(16),
        "iss": "Vonage",
        "payload_hash": hashlib.sha256(body).hexdigest(),
        **claims,
    }
    return jwt.encode(payload, secret, algorithm="HS256")
