"""Set-up → Installation: the snippet to paste, and when the script was last seen on the site."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dialtrail.admin.auth import ReadableProject, SignedIn, clock_of
from dialtrail.admin.rendering import render
from dialtrail.api.database import DatabaseSession
from dialtrail.collector.deriver import caught_up
from dialtrail.projects.models import OriginRefusal
from dialtrail.sessions.queries import latest_page_view

router = APIRouter(prefix="/projects/{project_id}/installation")
REFUSAL_SHOWN_FOR = timedelta(days=7)


def script_origin(request: Request) -> str:
    # As the tracker does: DIALTRAIL_BASE_URL when set, else the address the browser used.
    base_url: str = request.app.state.settings.base_url
    return base_url or f"{request.url.scheme}://{request.url.netloc}"


@router.get("")
def installation(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    caught_up(db)  # the last page view is derived from the collector's journal
    src = f"{script_origin(request)}/s/{access.project.public_key}.js"
    return render(
        request,
        "installation.html",
        admin=admin,
        project=access.project,
        section="installation",
        snippet=f'<script async src="{src}"></script>',
        last_page_view=latest_page_view(db, access.project.id),
        refusal=recent_refusal(db, access.project.id, clock_of(request)),
    )


def recent_refusal(db: Session, project_id: int, now: datetime) -> OriginRefusal | None:
    """The latest page view refused for its origin, if it is recent enough to be news (a
    change of the project's domains clears it)."""
    refusal = db.get(OriginRefusal, project_id)
    return refusal if refusal and now - refusal.refused_at < REFUSAL_SHOWN_FOR else None
