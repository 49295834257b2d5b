"""Integrations → Ads conversions: the definitions, the files' credentials (the password shown
once), the URLs to paste into Google Ads and Microsoft Advertising, a preview of each file's
rows and a download. The API's request body checks the form, so both refuse alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dialtrail.admin.auth import (
    Admin,
    CheckedForm,
    ReadableProject,
    SignedIn,
    WritableProject,
    clock_of,
)
from dialtrail.admin.flash import flash, keep_once, take_once
from dialtrail.admin.forms import FormErrors, form_errors
from dialtrail.admin.rendering import finish, redirect, render
from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import ApiError
from dialtrail.api.schemas import id_parameter
from dialtrail.calls.adapters.public_urls import base_url_warning
from dialtrail.conversions import service
from dialtrail.conversions.feeds import feed_url
from dialtrail.conversions.fetches import recent_fetches
from dialtrail.conversions.files import FILE_NAMES, HEADERS, conversion_file
from dialtrail.conversions.models import AdsFileFetch
from dialtrail.conversions.requests import ConversionBody
from dialtrail.conversions.rows import NETWORKS, ConversionRow, Network, conversion_rows
from dialtrail.projects.models import Project

router = APIRouter(prefix="/projects/{project_id}/ads-conversions")
FIELDS = ("name", "value", "currency", "min_talk_seconds")
PREVIEW_ROWS = 20
JUST_ISSUED = "ads_credentials"
ConversionId = Annotated[int, id_parameter("The ads conversion's id.")]
NetworkName = Annotated[Network, Path()]
EMPTY_FORM = {"name": "", "value": "", "currency": "", "min_talk_seconds": "0"}


@dataclass(frozen=True)
class Preview:
    network: Network
    header: tuple[str, ...]
    rows: list[ConversionRow]
    total: int
    fetches: list[AdsFileFetch]  # the file's deliveries log, newest first


def page(
    request: Request,
    admin: Admin,
    db: Session,
    project: Project,
    status: int = 200,
    **context: Any,
) -> Response:
    settings = request.app.state.settings
    public_url: str = settings.public_url
    now = clock_of(request)
    previews = []
    for network in NETWORKS:
        rows = conversion_rows(db, project.id, network, now)
        fetches = recent_fetches(db, project.id, network)
        previews.append(
            Preview(network, HEADERS[network], rows[-PREVIEW_ROWS:], len(rows), fetches)
        )
    return render(
        request,
        "ads_conversions.html",
        status,
        admin=admin,
        project=project,
        section="ads-conversions",
        conversions=service.list_conversions(db, project),
        credentials=service.find_credentials(db, project.id),
        urls={network: feed_url(public_url, project.id, network) for network in NETWORKS},
        warning=files_warning(settings.base_url, public_url),
        previews=previews,
        form=context.get("form", EMPTY_FORM),
        errors=context.get("errors", FormErrors()),
        issued=context.get("issued"),
    )


@router.get("")
def ads_conversions(
    request: Request, admin: SignedIn, access: ReadableProject, db: DatabaseSession
) -> Response:
    issued = take_once(request, admin, db, JUST_ISSUED)
    db.commit()  # taken: a reload no longer shows the password
    return page(request, admin, db, access.project, issued=issued)


@router.post("")
def add_conversion(
    request: Request,
    admin: SignedIn,
    access: WritableProject,
    form: CheckedForm,
    db: DatabaseSession,
) -> Response:
    try:
        body = ConversionBody.model_validate(body_of(form))
        service.create_conversion(db, access.project, body)
    except (ValidationError, ApiError) as error:
        db.rollback()
        errors = form_errors(error, FIELDS)
        shown = {**EMPTY_FORM, **form}
        return page(request, admin, db, access.project, 422, form=shown, errors=errors)
    flash(request, admin, db, f"The conversion {body.name!r} was added.")
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/ads-conversions")


def files_warning(base_url: str, public_url: str) -> str | None:
    """What is wrong with the files' URLs, if anything: the networks' fetches carry the
    files' password and the conversions (click ids), not callers' numbers."""
    return base_url_warning(
        base_url,
        public_url,
        "Google Ads and Microsoft Advertising",
        "the files' password and your conversions",
    )


def body_of(form: dict[str, str]) -> dict[str, Any]:
    """The form as the API's body: empty boxes are "none", checkboxes are there or not."""
    return {
        "name": form.get("name", ""),
        "value": form.get("value", "").strip() or None,
        "currency": form.get("currency", "").strip() or None,
        "min_talk_seconds": form.get("min_talk_seconds", "").strip() or 0,
        "answered_only": "answered_only" in form,
        "first_call_only": "first_call_only" in form,
    }


@router.post("/{conversion_id}/switch")
def switch_conversion(
    request: Request,
    admin: SignedIn,
    access: WritableProject,
    form: CheckedForm,
    conversion_id: ConversionId,
    db: DatabaseSession,
) -> Response:
    """Off keeps the definition for later; its rows leave the files meanwhile."""
    enabled = form.get("enabled") == "on"
    conversion = service.switch_conversion(db, access.project, conversion_id, enabled=enabled)
    state = "on" if enabled else "off: its calls leave the files"
    flash(request, admin, db, f"The conversion {conversion.name!r} is {state}.")
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/ads-conversions")


@router.post("/{conversion_id}/delete")
def delete_conversion(
    request: Request,
    admin: SignedIn,
    access: WritableProject,
    form: CheckedForm,
    conversion_id: ConversionId,
    db: DatabaseSession,
) -> Response:
    service.delete_conversion(db, access.project, conversion_id)
    flash(request, admin, db, "The conversion was deleted.")
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/ads-conversions")


@router.post("/credentials")
def issue_credentials(
    request: Request,
    admin: SignedIn,
    access: WritableProject,
    form: CheckedForm,
    db: DatabaseSession,
) -> Response:
    issued = service.issue_credentials(db, access.project)
    # Post/Redirect/Get: a reload of the page that shows the password must not rotate again.
    keep_once(
        request, admin, db, JUST_ISSUED, {"username": issued.username, "password": issued.password}
    )
    db.commit()
    return redirect(request, f"/admin/projects/{access.project.id}/ads-conversions")


@router.get("/files/{network}.csv")
def download(
    request: Request, admin: SignedIn, access: ReadableProject, network: NetworkName,
    db: DatabaseSession,
) -> Response:  # fmt: skip
    project = access.project
    text = conversion_file(network, conversion_rows(db, project.id, network, clock_of(request)))
    name = f"{project.id}-{FILE_NAMES[network]}"
    response = Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
    return finish(request, response)
