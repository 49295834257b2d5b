"""Bearer-token authentication for ``/api/v1``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import unauthorized
from dialtrail.projects.accounts import TOKEN_PREFIX, find_token, mark_used
from dialtrail.projects.models import ApiToken, User
from dialtrail.storage.base import utcnow

# auto_error=False: we answer a missing token ourselves, in the API's error shape and with 401.
bearer_scheme = HTTPBearer(auto_error=False, description="An API token: `Bearer dt_…`")


def authenticate(
    request: Request,
    session: DatabaseSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> User:
    if credentials is None:
        raise unauthorized(missing_token_message(request.headers.get("authorization")))
    token = checked_token(session, credentials.credentials)
    mark_used(token, utcnow())
    session.flush()
    request.state.api_token = token
    return token.user


def missing_token_message(header: str | None) -> str:
    """A header without the ``Bearer`` scheme (``Authorization: dt_…``) is a common slip: say
    so, rather than that the token is missing."""
    if header and header.strip():
        scheme = header.strip().split(maxsplit=1)[0]
        if scheme.lower() != "bearer":
            return (
                "the Authorization header has no 'Bearer' scheme: write it as "
                "'Authorization: Bearer dt_…'"
            )
        return "the Authorization header has 'Bearer' but no token: 'Authorization: Bearer dt_…'"
    return (
        "missing API token: send the header 'Authorization: Bearer dt_…' "
        "(create a token with `dialtrail token create --name NAME`)"
    )


def checked_token(session: DatabaseSession, secret: str) -> ApiToken:
    if not secret.startswith(TOKEN_PREFIX):
        raise unauthorized("malformed API token: Dialtrail tokens start with 'dt_'")
    token = find_token(session, secret)
    if token is None:
        raise unauthorized("unknown API token")
    if token.revoked_at is not None:
        raise unauthorized("this API token was revoked; create a new one")
    return token


CurrentUser = Annotated[User, Depends(authenticate)]
