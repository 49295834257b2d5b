"""A project's ads conversion definitions and the credentials of its conversion files.

A definition says which calls count as a conversion (answered, talked at least N seconds,
the caller's first call), under which name and with which value; every call that matches
it and whose visit came from a paid click is a row of the Google Ads file (``gclid``) or of
the Microsoft Advertising file (``msclkid``). The files are fetched by the ad networks with
HTTP basic auth: one user name and password per project, the password kept only as a hash.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import NEVER_REUSE_IDS, Base, BigId, UTCDateTime, utcnow

NAME_LENGTH = 100  # Google Ads' and Microsoft Advertising's limit on a conversion name
VALUE_LENGTH = 24


class AdsConversion(Base):
    __tablename__ = "ads_conversions"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_ads_conversions_project_name"),
        CheckConstraint("min_talk_seconds >= 0", name="min_talk_seconds"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    answered_only: Mapped[bool] = mapped_column(Boolean, default=False)
    min_talk_seconds: Mapped[int] = mapped_column(Integer, default=0)
    first_call_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # The value as decimal text ("120.50"): exact, and written to the file as it was typed.
    value: Mapped[str | None] = mapped_column(String(VALUE_LENGTH), default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)  # ISO 4217
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdsFeedCredentials(Base):
    """The basic-auth pair the ad networks fetch the files with. The password is shown once,
    when issued; only its SHA-256 is kept (it is random and long, so a slow hash adds
    nothing, and the files are fetched often)."""

    __tablename__ = "ads_feed_credentials"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdsFileFetch(Base):
    """One fetch of a project's conversion file, served or refused: the files' deliveries log,
    so that the admin can tell "Google Ads fetched 2 rows at 03:00" from "its fetches are
    refused since the password was rotated". Only the newest ``KEPT_FETCHES`` per file stay
    (fetches.py), so refused fetches by anyone cannot grow the table."""

    __tablename__ = "ads_file_fetches"
    __table_args__ = (
        Index("ix_ads_file_fetches_project_network", "project_id", "network", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(String(16))  # google, microsoft
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[int] = mapped_column(Integer)  # 200 served, 401 refused
    rows: Mapped[int | None] = mapped_column(Integer, default=None)  # of a served file
    user_agent: Mapped[str | None] = mapped_column(String(200), default=None)
