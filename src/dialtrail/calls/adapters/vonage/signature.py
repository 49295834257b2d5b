"""Is this request from Vonage? With signed webhooks on, Vonage sends each Voice API webhook
with ``Authorization: Bearer <JWT>``, signed HS256 with the account's signature secret. Its
claims: ``iat`` (when it was signed), ``payload_hash``, ``api_key``, ``application_id``,
``jti``. Vonage documents ``payload_hash`` as the SHA-256 (hex) of the payload written as JSON
without whitespace: a POST's JSON body, or a GET's query parameters as one object, in their
order.

The token is checked with the secret, its ``iat`` must lie within ``TOLERANCE`` of this
server's clock (a token copied from a request cannot be sent again later), and its
``payload_hash`` must be the payload's, so a body or query changed in transit, or a token moved
to another request, is refused; a token without one is not what Vonage sends and is refused
too. Within the 5 minutes, a token is taken once (``SeenTokens``, by its ``jti``): a copy sent
again is refused as a replay.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
from collections.abc import Iterable
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
    secret: str, authorization: str | None, payloads: list[bytes], now: datetime
) -> dict[str, Any]:
    """The token's claims, once it is Vonage's, fresh, and for one of ``payloads`` (the
    spellings of this request's payload, ``signed_payloads``)."""
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
    check_payload_hash(claims.get("payload_hash"), payloads)
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


def check_payload_hash(payload_hash: Any, payloads: list[bytes]) -> None:
    if payload_hash is None:
        raise BadToken(
            "the token has no payload_hash: Vonage's signed webhooks carry the SHA-256 of their "
            "payload, so this token was not made by Vonage for a webhook"
        )
    given = payload_hash.lower() if isinstance(payload_hash, str) else ""
    if not any(hmac.compare_digest(given, digest(payload)) for payload in payloads):
        raise BadToken(
            "the token's payload_hash is not the SHA-256 of this request's payload: the body "
            "(or a GET's query) was changed, or the token belongs to another request"
        )


def digest(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def signed_payloads(body: bytes, query: Iterable[tuple[str, str]]) -> list[bytes]:
    """What ``payload_hash`` may be the hash of: a request with a body, the body as sent (Vonage
    sends JSON without whitespace) and, should it have whitespace, as that JSON without it; a
    request without a body (a GET), its query parameters as one JSON object, in their order,
    with a non-ASCII character as is (JavaScript's JSON.stringify) or escaped (\\u00eb), as
    Vonage does not say which."""
    if not body:
        parameters = dict(query)
        return [compact(parameters), compact(parameters, ascii_only=True)]
    payloads = [body]
    with contextlib.suppress(UnicodeDecodeError, ValueError):  # not JSON: only the bytes match
        payloads.append(compact(json.loads(body)))
    return payloads


def compact(value: Any, ascii_only: bool = False) -> bytes:
    # As JavaScript's JSON.stringify writes it: no whitespace, non-ASCII as is (unless asked).
    return json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only).encode()
