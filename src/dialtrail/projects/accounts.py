"""Users and API tokens: creation, password hashing, token issue, lookup and revocation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CursorResult, bindparam, delete, func, select
from sqlalchemy.orm import Session, joinedload

from dialtrail.projects.models import ApiToken, LoginSession, User
from dialtrail.storage.base import utcnow

TOKEN_PREFIX = "dt_"  # noqa: S105 (a public prefix, not a secret)
# Writing last_used_at on every request would turn every read into a write; once a minute is
# precise enough for "last used" in a token list.
LAST_USED_PRECISION = timedelta(seconds=60)

password_hasher = PasswordHasher()


class AccountError(ValueError):
    """A user or token operation that cannot be done, with a message for the person asking
    and the field it is about (so a form can show it there)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; only its hash is stored


def normalise_email(email: str) -> str:
    cleaned = email.strip().lower()
    local, at, domain = cleaned.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in cleaned):
        raise AccountError(f"{email!r} is not an e-mail address", "email")
    return cleaned


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return password_hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(session: Session, email: str, password: str, *, superuser: bool = False) -> User:
    address = normalise_email(email)
    check_new_password(password)
    if find_user(session, address) is not None:
        raise AccountError(f"a user with e-mail {address} already exists", "email")
    user = User(email=address, password_hash=hash_password(password), is_superuser=superuser)
    session.add(user)
    session.flush()
    return user


def set_password(
    session: Session, user: User, password: str, *, keep: LoginSession | None = None
) -> int:
    """Changes the password and signs the user out of every admin sign-in (whoever knew the
    old password may hold one) but ``keep``, the browser that made the change; returns how
    many were ended. API tokens stay: they are separate credentials, revoked on their own."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    ending = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep is not None:
        ending = ending.where(LoginSession.id != keep.id)
    ended = session.execute(ending)
    assert isinstance(ended, CursorResult)  # a DELETE's result counts its rows
    return ended.rowcount


def check_new_password(password: str) -> None:
    if len(password) < 8:
        raise AccountError("the password must have at least 8 characters", "password")


def change_own_password(session: Session, login: LoginSession, current: str, new: str) -> int:
    """A signed-in person's own change: the current password first (a borrowed browser must
    not be able to take the account over), then set_password keeping this sign-in."""
    if not verify_password(login.user, current):
        raise AccountError("that is not your current password", "current_password")
    return set_password(session, login.user, new, keep=login)


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str) -> IssuedToken:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 100:
        raise AccountError("a token needs a name of 1 to 100 characters", "name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=cleaned, token_hash=hash_token(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    return IssuedToken(token, secret)


# Every API request looks its token up: the statement is built once, and loads the token's
# user with it.
TOKEN_BY_HASH = (
    select(ApiToken)
    .options(joinedload(ApiToken.user, innerjoin=True))
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def find_token(session: Session, secret: str) -> ApiToken | None:
    return session.scalar(TOKEN_BY_HASH, {"token_hash": hash_token(secret)})


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    return list(session.scalars(query))


def find_own_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    token = session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def mark_used(token: ApiToken, now: datetime) -> None:
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
