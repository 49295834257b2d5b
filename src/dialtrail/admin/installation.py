"""Set-up → Installation: the snippet to paste, and when the script was last seen on the site."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dialtrail.admin.auth import ReadableProject, SignedIn
from dialtrail.admin.rendering import render
from dialtrail.api.database import DatabaseSession
from dialtrail.sessions.queries import latest_page_view

router = APIRouter(prefix="/projects/{project_id}/installation")


def script_origin(request: Request) -> str:
    # As the tracker does: DIALTRAIL_BASE_URL when set, else the address the browser used.
    base_url: str = request.app.state.settings.base_url
    return base_url or f"{request.url.scheme}://{request.url.netloc}"


@router.get("")
def installation(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    src = f"{script_origin(request)}/s/{access.project.public_key}.js"
    return render(
        request,
        "installation.html",
        admin=admin,
        project=access.project,
        section="installation",
        snippet=f'<script async src="{src}"></script>',
        last_page_view=latest_page_view(db, access.project.id),
    )
