"""Visitors, sessions (visits), page views, and entity values as the script observed them.

Client ids (the ``_dt_v`` / ``_dt_s`` cookies and page-view ids) are stored as ``key`` and are
unique per project; integer primary keys stay internal. A session's current value of each
session-scope entity is kept in ``session_values`` (the last, or with ``keep: first`` the first,
non-empty observation), next to the full history in ``entity_observations``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import NEVER_REUSE_IDS, Base, BigId, UTCDateTime

CLIENT_ID_LENGTH = 64


class Visitor(Base):
    __tablename__ = "visitors"
    __table_args__ = (
        UniqueConstraint("project_id", "key", name="uq_visitors_project_key"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSession(Base):
    """One visit (docs/design.md §1). Named WebSession to keep it apart from the database
    session."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("project_id", "key", name="uq_sessions_project_key"),
        Index("ix_sessions_project_started", "project_id", "started_at"),
        Index("ix_sessions_project_ga", "project_id", "ga_client_id"),
        # Reports count a period's sessions per channel from the index alone.
        Index("ix_sessions_project_started_channel", "project_id", "started_at", "channel"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    landing_page: Mapped[str] = mapped_column(Text, default="")
    referrer: Mapped[str] = mapped_column(Text, default="")
    utm_source: Mapped[str | None] = mapped_column(String(255), default=None)
    utm_medium: Mapped[str | None] = mapped_column(String(255), default=None)
    utm_campaign: Mapped[str | None] = mapped_column(String(255), default=None)
    utm_content: Mapped[str | None] = mapped_column(String(255), default=None)
    utm_term: Mapped[str | None] = mapped_column(String(255), default=None)
    gclid: Mapped[str | None] = mapped_column(String(255), default=None)
    gbraid: Mapped[str | None] = mapped_column(String(255), default=None)
    wbraid: Mapped[str | None] = mapped_column(String(255), default=None)
    msclkid: Mapped[str | None] = mapped_column(String(255), default=None)
    fbclid: Mapped[str | None] = mapped_column(String(255), default=None)
    yclid: Mapped[str | None] = mapped_column(String(255), default=None)
    ga_client_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # GA4's session (its _ga_<stream> cookie) and Matomo's visitor id (_pk_id), read by the
    # script so a call can be sent to either tool as part of the visit it belongs to.
    ga_session_id: Mapped[str | None] = mapped_column(String(20), default=None)
    ga_session_number: Mapped[int | None] = mapped_column(Integer, default=None)
    matomo_visitor_id: Mapped[str | None] = mapped_column(String(16), default=None)
    # GA4's default channel group (sessions/channels.py), set when the visit starts. No check
    # constraint: adding one on SQLite rebuilds the table, which would cascade-delete its rows.
    channel: Mapped[str] = mapped_column(String(32), default="Unassigned")
    user_agent: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    page_views: Mapped[int] = mapped_column(Integer, default=0)


class PageView(Base):
    __tablename__ = "page_views"
    __table_args__ = (
        UniqueConstraint("session_id", "key", name="uq_page_views_session_key"),
        Index("ix_page_views_session_viewed", "session_id", "viewed_at"),
        Index("ix_page_views_viewed_at", "viewed_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    referrer: Mapped[str] = mapped_column(Text, default="")
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EntityObservation(Base):
    """A non-empty value of a session-scope entity, or any value of a page-view-scope entity,
    as the script saw it (docs/design.md §2: every non-empty observation is recorded)."""

    __tablename__ = "entity_observations"
    __table_args__ = (
        Index("ix_entity_observations_session", "session_id", "entity_id", "observed_at"),
        # Entity health (last value seen, and when) is read from the newest observation.
        Index("ix_entity_observations_entity", "entity_id", "observed_at"),
        # No index on observed_at alone: no query reads observations by time across sessions
        # and entities, and each index is one more entry per observation (migration 0023).
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    page_view_id: Mapped[int | None] = mapped_column(
        ForeignKey("page_views.id", ondelete="CASCADE"), index=True
    )
    entity_id: Mapped[int] = mapped_column(ForeignKey("tracking_entities.id", ondelete="CASCADE"))
    value: Mapped[str | None] = mapped_column(Text)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionValue(Base):
    """The current value of one entity for one session: per ``keep``, for session scope; the
    latest page view's value, for page-view scope."""

    __tablename__ = "session_values"
    __table_args__ = (
        UniqueConstraint("session_id", "entity_id", name="uq_session_values_session_entity"),
        # No index on value: a 1,000-character value can exceed PostgreSQL's btree row limit.
        Index("ix_session_values_entity", "entity_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("tracking_entities.id", ondelete="CASCADE"))
    page_view_id: Mapped[int | None] = mapped_column(
        ForeignKey("page_views.id", ondelete="SET NULL")
    )
    value: Mapped[str | None] = mapped_column(Text)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChangedDay(Base):
    """A UTC day of a project whose sessions or calls changed: the reports' per-day rollups
    (reports/rollup.py) recompute the local days it touches before they are read again. Written
    in the transaction of the change (sessions/changed_days.py), one row per change and day, never
    updated: a reader deletes exactly the rows it has read, so a mark committed meanwhile stays."""

    __tablename__ = "changed_days"
    __table_args__ = (Index("ix_changed_days_project", "project_id", "id"), NEVER_REUSE_IDS)

    # One row per change and day (every deriver batch marks today): 64-bit ids.
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # the UTC date of the changed row's start
