"""Is this request from Telnyx? Telnyx signs each webhook with Ed25519: the signature (base64,
header ``telnyx-signature-ed25519``) is over ``"{telnyx-timestamp}|{raw body}"``, and the
account's public key (base64, Mission Control Portal → Keys & Credentials → Public Key) checks
it. The timestamp is signed, so a request replayed later than ``TOLERANCE`` (or stamped that
far ahead of this server's clock) is refused: whoever copied a request cannot send it again.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"
TOLERANCE = timedelta(minutes=5)


def public_key_of(text: str) -> Ed25519PublicKey:
    """The key from its base64 text; ValueError when it is not 32 bytes of base64."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("expected the public key in base64, as Telnyx's portal shows it") from None
    if len(raw) != 32:
        raise ValueError(f"expected a 32-byte Ed25519 key in base64, got {len(raw)} bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def refusal(
    public_key: str, body: bytes, signature: str | None, timestamp: str | None, now: datetime
) -> str | None:
    """Why the request is not Telnyx's (in words), or None when it is."""
    if not signature or not timestamp:
        return f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}: the request is not from Telnyx"
    if not timestamp.strip().isdigit() or len(timestamp.strip()) > 12:
        return f"{TIMESTAMP_HEADER} {timestamp[:40]!r} is not a Unix time"
    try:
        raw_signature = base64.b64decode(signature, validate=True)
        public_key_of(public_key).verify(raw_signature, signed_message(timestamp, body))
    except (binascii.Error, ValueError, InvalidSignature):
        return (
            f"wrong {SIGNATURE_HEADER}: the request is not from Telnyx, or the public key "
            "stored for the project is not the account's"
        )
    return stale(int(timestamp), now)


def stale(timestamp: int, now: datetime) -> str | None:
    sent = datetime.fromtimestamp(timestamp, tz=now.tzinfo)
    if abs(now - sent) <= TOLERANCE:
        return None
    minutes = int(TOLERANCE.total_seconds() // 60)
    return (
        f"{TIMESTAMP_HEADER} says the request was sent at {sent.isoformat()}, more than "
        f"{minutes} minutes from this server's clock ({now.replace(microsecond=0).isoformat()}):"
        " a replayed request, or a wrong clock"
    )


def signed_message(timestamp: str, body: bytes) -> bytes:
    return timestamp.strip().encode() + b"|" + body
