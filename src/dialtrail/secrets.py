"""The server's secret key, and what is derived from it: signing keys and a box that encrypts
credentials Dialtrail must read back (webhook secrets, telephony auth tokens).

Each use gets its own key derived with HMAC-SHA256 under a purpose name, so a key that leaks
from one use (say, a CSRF token) says nothing about another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from dialtrail.settings import Settings

GENERATED_KEY_FILE = Path("var/secret_key")


class UnreadableSecret(ValueError):
    """Encrypted with another secret key (DIALTRAIL_SECRET_KEY changed), or damaged."""


def secret_key(settings: Settings, generated: Path = GENERATED_KEY_FILE) -> str:
    """DIALTRAIL_SECRET_KEY, or the generated key kept in ``generated`` (made on first use)."""
    if settings.secret_key:
        return settings.secret_key
    if generated.exists():
        return generated.read_text().strip()
    generated.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not each write a key of their own.
    try:
        descriptor = os.open(generated, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return generated.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


def derived_key(key: str, purpose: str) -> bytes:
    return hmac.new(key.encode(), b"dialtrail:" + purpose.encode(), hashlib.sha256).digest()


class SecretBox:
    """Authenticated encryption (Fernet: AES-128-CBC + HMAC-SHA256) of short texts."""

    def __init__(self, key: str) -> None:
        self.fernet = Fernet(base64.urlsafe_b64encode(derived_key(key, "encryption")))

    def seal(self, text: str) -> str:
        return self.fernet.encrypt(text.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self.fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise UnreadableSecret(
                "a stored credential cannot be decrypted: DIALTRAIL_SECRET_KEY has changed "
                "since it was saved; enter the credential again"
            ) from None
