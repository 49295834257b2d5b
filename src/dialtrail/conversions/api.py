"""``/api/v1/projects/{id}/ads-conversions``: conversion definitions, the files' credentials
and a one-off download of each file with an API token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from dialtrail.api.database import DatabaseSession, Now
from dialtrail.api.schemas import ProjectId, id_parameter
from dialtrail.conversions import service
from dialtrail.conversions.feeds import feed_url
from dialtrail.conversions.fetches import recent_fetches
from dialtrail.conversions.files import FILE_NAMES, conversion_file
from dialtrail.conversions.requests import ConversionBody
from dialtrail.conversions.rows import Network, conversion_rows
from dialtrail.conversions.schemas import (
    ConversionOut,
    ConversionsOverview,
    CredentialsOut,
    FeedUrls,
    FetchOut,
    FileFetches,
    IssuedCredentialsOut,
)
from dialtrail.projects.access import readable_project, writable_project
from dialtrail.projects.auth import CurrentUser

router = APIRouter(prefix="/projects/{project_id}/ads-conversions", tags=["ads conversions"])
ConversionId = Annotated[int, id_parameter("The ads conversion's id.")]
NetworkName = Annotated[
    Network, Path(description="google (gclid rows) or microsoft (msclkid rows).")
]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The network's template"}
}


@router.get("", summary="List the conversions, the files' user name and URLs")
def list_conversions(
    project_id: ProjectId, user: CurrentUser, session: DatabaseSession, request: Request
) -> ConversionsOverview:
    project = readable_project(session, user, project_id).project
    credentials = service.find_credentials(session, project.id)
    public_url = request.app.state.settings.public_url
    return ConversionsOverview(
        items=[ConversionOut.build(item) for item in service.list_conversions(session, project)],
        credentials=CredentialsOut.build(credentials) if credentials else None,
        feed_urls=FeedUrls(
            google=feed_url(public_url, project.id, "google"),
            microsoft=feed_url(public_url, project.id, "microsoft"),
        ),
        fetches=FileFetches(
            google=[FetchOut.build(item) for item in recent_fetches(session, project.id, "google")],
            microsoft=[
                FetchOut.build(item) for item in recent_fetches(session, project.id, "microsoft")
            ],
        ),
    )


@router.post("", status_code=201, summary="Add a conversion definition")
def add_conversion(
    project_id: ProjectId, body: ConversionBody, user: CurrentUser, session: DatabaseSession
) -> ConversionOut:
    project = writable_project(session, user, project_id).project
    conversion = service.create_conversion(session, project, body)
    session.commit()
    return ConversionOut.build(conversion)


@router.put("/{conversion_id}", summary="Replace a conversion definition")
def replace_conversion(
    project_id: ProjectId,
    conversion_id: ConversionId,
    body: ConversionBody,
    user: CurrentUser,
    session: DatabaseSession,
) -> ConversionOut:
    project = writable_project(session, user, project_id).project
    conversion = service.replace_conversion(session, project, conversion_id, body)
    session.commit()
    return ConversionOut.build(conversion)


@router.delete("/{conversion_id}", status_code=204, summary="Delete a conversion definition")
def delete_conversion(
    project_id: ProjectId, conversion_id: ConversionId, user: CurrentUser, session: DatabaseSession
) -> Response:
    project = writable_project(session, user, project_id).project
    service.delete_conversion(session, project, conversion_id)
    session.commit()
    return Response(status_code=204)


@router.post(
    "/credentials", status_code=201, summary="Issue (or rotate) the files' basic-auth pair"
)
def issue_credentials(
    project_id: ProjectId, user: CurrentUser, session: DatabaseSession
) -> IssuedCredentialsOut:
    project = writable_project(session, user, project_id).project
    issued = service.issue_credentials(session, project)
    session.commit()
    return IssuedCredentialsOut(
        username=issued.username, password=issued.password, issued_at=issued.record.issued_at
    )


@router.get(
    "/files/{network}.csv",
    response_class=Response,
    responses=CSV_RESPONSE,
    summary="Download a network's conversion file now",
)
def download_file(
    project_id: ProjectId,
    network: NetworkName,
    user: CurrentUser,
    session: DatabaseSession,
    now: Now,
) -> Response:
    project = readable_project(session, user, project_id).project
    text = conversion_file(network, conversion_rows(session, project.id, network, now))
    name = f"{project.id}-{FILE_NAMES[network]}"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
