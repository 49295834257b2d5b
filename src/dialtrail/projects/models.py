"""Users, projects, project members, API tokens and admin sign-ins (here, not in admin/: a
password change in accounts.py ends them), and the collector's last origin refusal per
project (here: a change of the project's domains clears it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialtrail.storage.base import NEVER_REUSE_IDS, Base, UTCDateTime, one_of, utcnow

# Each enumeration once: the Literal for the schemas, its values for the database's check.
Role = Literal["owner", "member"]
PoolPolicy = Literal["reuse_oldest", "default_number"]
# docs/design.md §3: whether the script waits for the visitor's consent, and what it does before.
ConsentMode = Literal["not_required", "required", "cookieless"]
ROLES: tuple[Role, ...] = get_args(Role)
POOL_EXHAUSTED_POLICIES: tuple[PoolPolicy, ...] = get_args(PoolPolicy)
CONSENT_MODES: tuple[ConsentMode, ...] = get_args(ConsentMode)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        one_of("on_pool_exhausted", POOL_EXHAUSTED_POLICIES, name="pool_policy"),
        one_of("consent", CONSENT_MODES),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(40), unique=True)
    domains: Mapped[list[Any]] = mapped_column(JSON, default=list)
    site_numbers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    default_number: Mapped[str | None] = mapped_column(String(20), default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    destination: Mapped[str | None] = mapped_column(String(255), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    allow_raw_js: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_seconds: Mapped[int] = mapped_column(Integer, default=300)
    on_pool_exhausted: Mapped[str] = mapped_column(String(20), default="reuse_oldest")
    late_call_seconds: Mapped[int] = mapped_column(Integer, default=1800)
    consent: Mapped[str] = mapped_column(String(20), default="not_required")
    # The collector removes e-mail addresses, phone numbers and secret query parameters from
    # what it stores (docs/privacy.md, "Redaction"); off only by the owner's choice.
    redact_personal_data: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # How long `dialtrail prune` keeps what the collector and the webhooks recorded
    # (docs/privacy.md, "Retention").
    session_retention_months: Mapped[int] = mapped_column(Integer, default=13, server_default="13")
    call_retention_months: Mapped[int] = mapped_column(Integer, default=25, server_default="25")
    webhook_log_retention_days: Mapped[int] = mapped_column(
        Integer, default=30, server_default="30"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    members: Mapped[list[Membership]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def effective_default_number(self) -> str | None:
        """docs/design.md §1: the default number falls back to the first site number."""
        if self.default_number:
            return self.default_number
        return self.site_numbers[0] if self.site_numbers else None


class Membership(Base):
    __tablename__ = "project_members"
    __table_args__ = (
        UniqueConstraint("project_id", "user_id", name="uq_project_members_project_user"),
        one_of("role", ROLES),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the token: tokens are 256 random bits, so a plain hash cannot be brute-forced
    # and keeps the per-request lookup a single indexed equality.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship()


class LoginSession(Base):
    """A signed-in browser of the admin UI: the cookie holds a random token, the database
    only its SHA-256 (as for API tokens), so signing out or a password change ends it."""

    __tablename__ = "login_sessions"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship()


class OriginRefusal(Base):
    """The latest page view the collector refused for its origin, so that the Installation
    page can say why nothing arrives: the host (empty when the request named none) and when.
    A row of its own, written at most once a minute per project and server process: the
    collector never locks the project's row, which API and admin writes lock."""

    __tablename__ = "origin_refusals"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str] = mapped_column(String(255))
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime)
