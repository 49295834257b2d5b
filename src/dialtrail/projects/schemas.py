"""Request and response bodies of the projects, members and tokens API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from dialtrail.api.schemas import RequestBody
from dialtrail.projects.models import ConsentMode, PoolPolicy, Project, Role

ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ProjectFields(RequestBody):
    domains: list[str] | None = Field(
        None, max_length=100, description="Hosts the script may report from; empty = any."
    )
    site_numbers: list[str] | None = Field(
        None, max_length=100, description="Numbers printed on the site, in any usual spelling."
    )
    default_number: str | None = Field(None, description="Defaults to the first site number.")
    country: str | None = Field(
        None, description="Two-letter country code used to read national number spellings."
    )
    destination: str | None = Field(None, description="E.164 number or SIP URI calls go to.")
    timezone: str | None = Field(None, description="IANA name, e.g. Europe/Kyiv.")
    allow_raw_js: bool | None = Field(None, description="Allow `js:` entity expressions.")
    hold_seconds: int | None = Field(None, ge=30, le=86400)
    on_pool_exhausted: PoolPolicy | None = None
    late_call_seconds: int | None = Field(None, ge=0, le=604800)
    consent: ConsentMode | None = Field(
        None,
        description="Whether the script waits for the visitor's consent: `not_required` "
        "(default), `required` (nothing set, read or sent before consent) or `cookieless` "
        "(before consent, no cookies: each page load is its own visit).",
    )
    redact_personal_data: bool | None = Field(
        None,
        description="Remove e-mail addresses, phone numbers and secret query parameters from "
        "captured URLs, referrers, titles and values (docs/privacy.md). Default true.",
    )
    session_retention_months: int | None = Field(
        None, ge=1, le=120, description="Sessions and page views kept (months); default 13."
    )
    call_retention_months: int | None = Field(
        None, ge=1, le=120, description="Calls kept (months); default 25."
    )
    webhook_log_retention_days: int | None = Field(
        None, ge=1, le=3650, description="Webhook attempts and response bodies kept (days); 30."
    )


class ProjectCreate(ProjectFields):
    name: ProjectName


class ProjectUpdate(ProjectFields):
    name: ProjectName | None = None


class ProjectOut(BaseModel):
    id: int
    name: str
    public_key: str
    domains: list[str]
    site_numbers: list[str]
    default_number: str | None
    country: str | None
    destination: str | None
    timezone: str
    allow_raw_js: bool
    hold_seconds: int
    on_pool_exhausted: PoolPolicy
    late_call_seconds: int
    consent: ConsentMode
    redact_personal_data: bool
    session_retention_months: int
    call_retention_months: int
    webhook_log_retention_days: int
    role: Role | None = Field(description="Your role in the project (null for a superuser).")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def build(cls, project: Project, role: str | None) -> ProjectOut:
        return cls(
            id=project.id,
            name=project.name,
            public_key=project.public_key,
            domains=project.domains,
            site_numbers=project.site_numbers,
            default_number=project.effective_default_number,
            country=project.country,
            destination=project.destination,
            timezone=project.timezone,
            allow_raw_js=project.allow_raw_js,
            hold_seconds=project.hold_seconds,
            on_pool_exhausted=project.on_pool_exhausted,
            late_call_seconds=project.late_call_seconds,
            consent=project.consent,
            redact_personal_data=project.redact_personal_data,
            session_retention_months=project.session_retention_months,
            call_retention_months=project.call_retention_months,
            webhook_log_retention_days=project.webhook_log_retention_days,
            role=role,
            created_at=project.created_at,
            updated_at=project.updated_at,
        )


class ProjectList(BaseModel):
    items: list[ProjectOut]


class MemberCreate(RequestBody):
    email: str
    role: Role = "member"


class MemberOut(BaseModel):
    user_id: int
    email: str
    role: Role


class MemberList(BaseModel):
    items: list[MemberOut]


class TokenCreate(RequestBody):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself. Shown only in this response.")


class TokenList(BaseModel):
    items: list[TokenOut]
