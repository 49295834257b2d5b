"""``/api/v1/projects/{id}/telephony/<name>`` of a provider whose settings are sealed_settings
(Twilio, Telnyx, Vonage): members read them with the URLs to paste and the DIALTRAIL_BASE_URL
warning, owners change them; the secret is write-only (docs/telephony.md, docs/api.md).

Each adapter's settings_api.py keeps its own request model (its field names, rules and
messages) and answer model, and gets its two routes from ``settings_router``.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the PATCH body's model from
# the annotation, and it is the adapter's own class, known only when the router is made.

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from dialtrail.api.database import DatabaseSession
from dialtrail.api.schemas import ProjectId, RequestBody
from dialtrail.calls.adapters import sealed_settings
from dialtrail.calls.adapters.sealed_settings import SealedSettings
from dialtrail.projects.access import owned_project, readable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.secrets import SecretBox, secret_key
from dialtrail.settings import Settings


def settings_out(
    request: Request,
    settings: SealedSettings[Any],
    out_model: type[BaseModel],
    project_id: int,
    found: Any,
) -> BaseModel:
    """The answer: the plain field, ``configured``, and the console's URLs and warning (the
    answer model names them as the adapter's ConsoleSetup does)."""
    server: Settings = request.app.state.settings
    setup = settings.console_setup(server.base_url, server.public_url, project_id)
    return out_model(
        **{settings.plain_field: getattr(found, settings.plain_field) if found else None},
        configured=sealed_settings.is_configured(settings, found),
        **asdict(setup),
    )


def settings_router(
    settings: SealedSettings[Any],
    update_model: type[RequestBody],
    out_model: type[BaseModel],
    kept: str,
    urls: str = "URLs",
) -> APIRouter:
    """``kept``, ``urls``: what the summaries call the settings ("account") and the URLs."""
    router = APIRouter(tags=["telephony"])
    path = f"/projects/{{project_id}}/telephony/{settings.name}"
    name, title = settings.name, settings.title

    @router.get(
        path, response_model=out_model, summary=f"The project's {title} {kept} and {urls}",
        name=f"read_{name}",
    )  # fmt: skip
    def read(
        project_id: ProjectId, user: CurrentUser, session: DatabaseSession, request: Request
    ) -> BaseModel:
        access = readable_project(session, user, project_id)
        found = sealed_settings.find(session, settings, access.project.id)
        return settings_out(request, settings, out_model, access.project.id, found)

    @router.patch(
        path, response_model=out_model, summary=f"Change the project's {title} {kept} (owners)",
        name=f"update_{name}",
    )  # fmt: skip
    def change(
        project_id: ProjectId,
        body: update_model,  # type: ignore[valid-type]
        user: CurrentUser,
        session: DatabaseSession,
        request: Request,
    ) -> BaseModel:
        access = owned_project(session, user, project_id)
        sent: RequestBody = body
        given = {field: getattr(sent, field) for field in sent.model_fields_set}
        box = SecretBox(secret_key(request.app.state.settings))
        found = sealed_settings.update(session, settings, access.project.id, given, box)
        session.commit()
        return settings_out(request, settings, out_model, access.project.id, found)

    return router
