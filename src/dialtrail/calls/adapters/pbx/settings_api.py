"""``/api/v1/projects/{id}/telephony/<pbx>``: a project's PBX connection, owners change it;
the secret is write-only (docs/telephony.md, docs/api.md). ``…/check`` logs in with the
stored settings and says whether it worked, or exactly why not."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from dialtrail.api.database import DatabaseSession
from dialtrail.api.errors import invalid_field
from dialtrail.api.schemas import ProjectId, RequestBody, stripped
from dialtrail.calls.adapters.pbx import credentials
from dialtrail.calls.adapters.pbx.adapter import Pbx
from dialtrail.calls.adapters.pbx.models import PbxSettingsColumns
from dialtrail.projects.access import owned_project, readable_project
from dialtrail.projects.auth import CurrentUser
from dialtrail.secrets import SecretBox, secret_key

# A host name, IPv4 or IPv6 address; never a line break, which would end an AMI message.
HOST = re.compile(r"^[A-Za-z0-9._:\[\]-]{1,255}$")
USERNAME = re.compile(r"^[^\s:]{1,128}$")
SECRET = re.compile(r"^[^\r\n\x00]{1,128}$")
# An event header naming the dialled number: one of the caller profile's (Caller-…) or a
# channel variable as events carry it (variable_…).
DID_VARIABLE = re.compile(r"^(Caller-[A-Za-z-]{1,60}|variable_[A-Za-z0-9_]{1,100})$")


class PbxSettingsUpdate(RequestBody):
    host: str | None = Field(None, description="The PBX's host name or address; null clears it.")
    port: int | None = Field(
        None, ge=1, le=65535, description="Its port; null: the usual one (AMI 5038, ESL 8021)."
    )
    username: str | None = Field(None, description="The AMI user (Asterisk only).")
    secret: str | None = Field(
        None,
        description="The AMI secret or the event socket's password: write-only (stored "
        "encrypted, never returned); null clears it.",
    )
    enabled: bool | None = Field(None, description="false: keep the settings, do not connect.")
    did_variable: str | None = Field(
        None,
        description="FreeSWITCH only: the event header holding the dialled number (DID), such "
        "as `variable_sip_to_user` or `variable_dialtrail_did`; null: "
        "`Caller-Destination-Number`.",
    )

    @field_validator("host")
    @classmethod
    def check_host(cls, value: str | None) -> str | None:
        return stripped(value, HOST, "expected a host name or an IP address")

    @field_validator("username")
    @classmethod
    def check_username(cls, value: str | None) -> str | None:
        return stripped(value, USERNAME, "expected a user name without spaces or colons")

    @field_validator("did_variable")
    @classmethod
    def check_did_variable(cls, value: str | None) -> str | None:
        return stripped(
            value,
            DID_VARIABLE,
            "expected Caller-Destination-Number or another Caller- header, or variable_ "
            "followed by a channel variable's name (variable_sip_to_user)",
        )

    @field_validator("secret")
    @classmethod
    def check_secret(cls, value: str | None) -> str | None:
        if value is not None and not SECRET.match(value):
            raise ValueError("expected 1 to 128 characters on one line")
        return value


class RecentEvent(BaseModel):
    received_at: datetime
    call: str
    event: str
    called: str | None
    outcome: str = Field(description="recorded, duplicate, ignored or refused")
    detail: str


class PbxSettingsOut(BaseModel):
    host: str | None
    port: int = Field(description="The port connected to (the usual one when none was set).")
    username: str | None
    did_variable: str | None = Field(
        description="FreeSWITCH: the header read for the dialled number, when not "
        "Caller-Destination-Number; always null for Asterisk."
    )
    secret_stored: bool
    enabled: bool
    configured: bool = Field(description="Everything needed to connect is set.")
    state: str = Field(description="off, connecting, connected or failed")
    state_reason: str
    state_at: datetime | None
    recent_events: list[RecentEvent]


class CheckOut(BaseModel):
    ok: bool
    kind: str = Field(
        description="ok, not_configured, not_allowed, too_many_checks, refused, timed_out, "
        "wrong_credentials…"
    )
    message: str


def settings_out(pbx: Pbx, found: PbxSettingsColumns | None) -> PbxSettingsOut:
    values: dict[str, Any] = {
        "host": None, "port": pbx.default_port, "username": None, "did_variable": None,
        "secret_stored": False,
        "enabled": True, "state": "off", "state_reason": "not configured", "state_at": None,
        "recent_events": [],
    }  # fmt: skip
    if found is not None:
        values.update(
            host=found.host, port=found.port or pbx.default_port, username=found.username,
            did_variable=getattr(found, "did_variable", None),
            secret_stored=bool(found.secret), enabled=found.enabled, state=found.state,
            state_reason=found.state_reason, state_at=found.state_at,
            recent_events=found.recent_events or [],
        )  # fmt: skip
    return PbxSettingsOut(configured=credentials.is_configured(pbx, found), **values)


def refuse_foreign_fields(pbx: Pbx, given: dict[str, Any]) -> None:
    """A 422 for a setting this PBX does not have (null is accepted: nothing to clear)."""
    if pbx.did_variable_default is None and given.pop("did_variable", None) is not None:
        raise invalid_field(
            "did_variable",
            f"{pbx.title} has no such setting: it reads the dialled number from the channel's "
            "Exten, or from the DIALTRAIL_DID dialplan variable",
        )


def settings_router(pbx: Pbx) -> APIRouter:
    router = APIRouter(tags=["telephony"])
    path = f"/projects/{{project_id}}/telephony/{pbx.name}"

    @router.get(path, summary=f"The project's {pbx.title} connection", name=f"read_{pbx.name}")
    def read(project_id: ProjectId, user: CurrentUser, session: DatabaseSession) -> PbxSettingsOut:
        access = readable_project(session, user, project_id)
        return settings_out(pbx, credentials.find(session, pbx, access.project.id))

    @router.patch(
        path, summary=f"Change the project's {pbx.title} connection (owners)",
        name=f"update_{pbx.name}",
    )  # fmt: skip
    def change(
        project_id: ProjectId,
        body: PbxSettingsUpdate,
        user: CurrentUser,
        session: DatabaseSession,
        request: Request,
    ) -> PbxSettingsOut:
        access = owned_project(session, user, project_id)
        given = {name: getattr(body, name) for name in body.model_fields_set}
        refuse_foreign_fields(pbx, given)
        credentials.refuse_host(given, request.app.state.settings.pbx_allowed_networks)
        box = SecretBox(secret_key(request.app.state.settings))
        found = credentials.update(session, pbx, access.project.id, given, box)
        session.commit()
        return settings_out(pbx, found)

    @router.post(
        path + "/check", summary=f"Log in to the project's {pbx.title} now (owners)",
        name=f"check_{pbx.name}",
    )  # fmt: skip
    def check(
        project_id: ProjectId, user: CurrentUser, session: DatabaseSession, request: Request
    ) -> CheckOut:
        access = owned_project(session, user, project_id)
        settings = request.app.state.settings
        box = SecretBox(secret_key(settings))
        networks, now = settings.pbx_allowed_networks, request.app.state.clock()
        result = credentials.check_stored(session, pbx, access.project.id, box, networks, now)
        return CheckOut(ok=result.ok, kind=result.kind, message=result.message)

    return router
