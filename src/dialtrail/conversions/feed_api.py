"""``GET /conversions/{project_id}/google-ads.csv`` and ``…/microsoft-ads.csv``: the files the
ad networks fetch on their schedule, behind HTTP basic auth with the project's own
credentials (never an API token: a token would open the whole API to the ad network)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response

from dialtrail.api.database import DatabaseSession, Now
from dialtrail.api.errors import ApiError
from dialtrail.api.schemas import ProjectId
from dialtrail.conversions.fetches import record_fetch
from dialtrail.conversions.files import FILE_NAMES, conversion_file
from dialtrail.conversions.rows import Network, conversion_rows
from dialtrail.conversions.service import credentials_hold

router = APIRouter(prefix="/conversions", include_in_schema=False)
CHALLENGE = 'Basic realm="Dialtrail ads conversions", charset="UTF-8"'
CSV = "text/csv; charset=utf-8"


@router.get("/{project_id}/google-ads.csv")
def google_ads_file(
    project_id: ProjectId,
    session: DatabaseSession,
    now: Now,
    authorization: Annotated[str | None, Header()] = None,
    user_agent: Annotated[str | None, Header()] = None,
) -> Response:
    return served(session, project_id, "google", Fetcher(authorization, user_agent), now)


@router.get("/{project_id}/microsoft-ads.csv")
def microsoft_ads_file(
    project_id: ProjectId,
    session: DatabaseSession,
    now: Now,
    authorization: Annotated[str | None, Header()] = None,
    user_agent: Annotated[str | None, Header()] = None,
) -> Response:
    return served(session, project_id, "microsoft", Fetcher(authorization, user_agent), now)


@dataclass(frozen=True)
class Fetcher:
    authorization: str | None
    user_agent: str | None


def served(
    session: DatabaseSession, project_id: int, network: Network, fetcher: Fetcher, now: Now
) -> Response:
    pair = basic_credentials(fetcher.authorization)
    if pair is None or not credentials_hold(session, project_id, *pair):
        # One answer for a wrong pair, a project without credentials and one that does not
        # exist, so project ids cannot be probed; the project's log keeps a refused pair
        # (fetches.py: a network with an old password), not a request without one (scanners,
        # link previews, a browser's first try) that would push the networks' fetches out.
        if pair is not None:
            record_fetch(session, project_id, network, now, None, fetcher.user_agent)
            session.commit()
        raise refused(pair is None)
    rows = conversion_rows(session, project_id, network, now)
    record_fetch(session, project_id, network, now, len(rows), fetcher.user_agent)
    session.commit()
    text = conversion_file(network, rows)
    headers = {
        "Content-Disposition": f'inline; filename="{FILE_NAMES[network]}"',
        "Cache-Control": "no-store",
    }
    return Response(text, media_type=CSV, headers=headers)


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``Basic base64(user:password)`` → (user, password); None for anything else."""
    scheme, _, encoded = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def refused(missing: bool) -> ApiError:
    message = (
        "this file needs HTTP basic auth with the project's ads conversion credentials"
        if missing
        else "wrong user name or password for this project's ads conversion files"
    )
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": CHALLENGE})
