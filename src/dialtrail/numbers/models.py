"""Tracking numbers and their leases to web sessions (docs/design.md §4).

A pool number is leased to one session at a time; a lease is renewed by the session's page
views and pings and expires ``hold_seconds`` after its last activity. Leases are kept after they
end (``released_at``), since attribution asks "who held number N at time T".

The invariant "two sessions never get the same free number while another is free" is a unique
partial index, not a hope: at most one open, exclusive lease per number. Leases given out when
the pool is exhausted (policy ``reuse_oldest``) are ``shared`` and sit beside the exclusive one.

Every look-up on the collector's hot path is an index range, so leasing costs the same with ten
open leases or ten thousand (docs/numbers.md, "How leasing stays cheap"): a number carries its
own ``leased_until`` and ``open_leases``, kept up to date by numbers/leasing.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import NEVER_REUSE_IDS, Base, UTCDateTime, one_of, utcnow

Kind = Literal["pool", "static"]  # once: the schemas' Literal and the database's check
KINDS: tuple[Kind, ...] = get_args(Kind)
OPEN_EXCLUSIVE = "released_at IS NULL AND NOT shared"
OPEN = "released_at IS NULL"
OPEN_COUNTED = "released_at IS NULL AND network IS NOT NULL"
IN_POOL = "kind = 'pool' AND removed_at IS NULL"
# leased_until of a number never leased: before any release, so it comes first.
NEVER_LEASED = datetime(1970, 1, 1, tzinfo=UTC)


class TrackingNumber(Base):
    __tablename__ = "tracking_numbers"
    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_tracking_numbers_project_number"),
        one_of("kind", KINDS),
        # Leasing's one look-up in the pool: its first entry is the least recently released
        # free number, or, when none is free, the least recently active number.
        Index(
            "ix_tracking_numbers_pool_order",
            "project_id",
            "leased_until",
            "id",
            sqlite_where=text(IN_POOL),
            postgresql_where=text(IN_POOL),
        ),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20))  # E.164
    kind: Mapped[str] = mapped_column(String(8))
    # The source a static number stands for ("Billboard A40"); optional on pool numbers.
    label: Mapped[str] = mapped_column(String(200), default="")
    # Where calls to this number go, when not the project's destination.
    destination: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Removed numbers are kept (leases and calls refer to them) but never leased again; a
    # number removed while leased is "draining" until its lease ends.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When its last lease ended: the least recently released free number is leased first, so
    # a late caller of a just-released number is still matched (docs/design.md §4).
    last_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # No open lease of the number lasts past this (an upper bound: a renewal moves it only
    # when it would pass it, and then a few seconds further; exact again once the last open
    # lease closes). Free means leased_until <= now; the smallest among busy numbers is the
    # least recently active one.
    leased_until: Mapped[datetime] = mapped_column(
        UTCDateTime, default=NEVER_LEASED, server_default="1970-01-01 00:00:00.000000"
    )
    # Sessions holding the number (open leases), counted as leases open and close: the pool's
    # usage sums these instead of counting leases on every new session.
    open_leases: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class NumberLease(Base):
    __tablename__ = "number_leases"
    __table_args__ = (
        Index(
            "uq_number_leases_open_exclusive",
            "number_id",
            unique=True,
            sqlite_where=text(OPEN_EXCLUSIVE),
            postgresql_where=text(OPEN_EXCLUSIVE),
        ),
        Index(
            "uq_number_leases_open_session",
            "session_id",
            unique=True,
            sqlite_where=text(OPEN),
            postgresql_where=text(OPEN),
        ),
        # Attribution: the leases of number N around time T.
        Index("ix_number_leases_number_started", "number_id", "started_at"),
        # A session's latest lease: renewed while it lives; its number offered back after.
        Index("ix_number_leases_session_started", "session_id", "started_at"),
        # Open leases by expiry: expired ones are closed by a range of this index, live ones
        # counted for the usage page.
        Index(
            "ix_number_leases_open_expires",
            "project_id",
            "expires_at",
            sqlite_where=text(OPEN),
            postgresql_where=text(OPEN),
        ),
        # A client network's live leases, counted against DIALTRAIL_LEASES_PER_NETWORK.
        Index(
            "ix_number_leases_open_network",
            "network",
            "project_id",
            "expires_at",
            # Only counted leases: nothing else (the expiry sweep) can take this index.
            sqlite_where=text(OPEN_COUNTED),
            postgresql_where=text(OPEN_COUNTED),
        ),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number_id: Mapped[int] = mapped_column(ForeignKey("tracking_numbers.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    # Given out while the pool was exhausted (reuse_oldest): the number is shared.
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the session's last activity
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # renewed_at + hold_seconds
    # Set when the lease is closed (its expiry time, or when the number is handed on); an
    # open lease past expires_at is expired and closed by the next lease of the project.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The client's network (numbers/gate.py: a keyed hash of its /24 or /64), when counted.
    network: Mapped[str | None] = mapped_column(String(32), default=None)


class PoolUsage(Base):
    """Per project and hour (UTC): the peak of concurrent leased sessions and how often the
    pool was exhausted; the admin UI derives utilisation and a recommended pool size."""

    __tablename__ = "pool_usage"
    __table_args__ = (
        UniqueConstraint("project_id", "hour", name="uq_pool_usage_project_hour"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    peak_sessions: Mapped[int] = mapped_column(Integer, default=0)
    pool_size: Mapped[int] = mapped_column(Integer, default=0)
    exhaustions: Mapped[int] = mapped_column(Integer, default=0)
    # Page views that got the default number instead of a lease (numbers/gate.py): a bot's,
    # or a session's from a network holding DIALTRAIL_LEASES_PER_NETWORK leases already.
    refused_bots: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refused_network: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
