"""Standard Webhooks signatures (https://www.standardwebhooks.com/): ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>``.

Secrets look like ``whsec_<base64 of 24 random bytes>``; the HMAC key is the decoded bytes.
During a rotation both the new and the previous secret sign, space-separated, so a receiver
that still knows only the old one keeps verifying.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from dialtrail import __version__

PREFIX = "whsec_"
USER_AGENT = f"Dialtrail-Webhooks/{__version__}"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(
    signing_secrets: list[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in signing_secrets
        ),
        "User-Agent": USER_AGENT,
    }
