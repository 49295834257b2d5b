"""The collector's journal: every accepted event, durable before it is answered, and how far
the deriver has applied it (docs/design.md §3; ARCHITECTURE.md, "The collector's journal").

A journal row holds the event as validated (its payload as compact JSON) with what the request
added: the project, the session's key, the client's address already truncated, its
User-Agent and the server's time. Sessions, page views, values, lease renewals and entity
health are derived from these rows by collector/deriver.py, in id order. On PostgreSQL the
rows are appended under a lock held until commit (deriver.py explains why), so their ids are
committed in order there as on SQLite, and one number (``derived_through``) says how far
derivation went.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.sessions.models import CLIENT_ID_LENGTH
from dialtrail.storage.base import NEVER_REUSE_IDS, Base, BigId, UTCDateTime, one_of

EventKind = Literal["pageview", "ping", "errors"]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)


class JournalEvent(Base):
    __tablename__ = "collector_journal"
    __table_args__ = (
        one_of("kind", EVENT_KINDS),
        # Pruning reads the oldest rows by time (prune_journal).
        Index("ix_collector_journal_received_at", "received_at"),
        # Ids are never handed out twice, even once every row was pruned: a reused id below
        # derived_through would never be derived.
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    session_key: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH))
    payload: Mapped[str] = mapped_column(Text)
    ip: Mapped[str] = mapped_column(String(64), default="")  # truncated (sources.truncate_ip)
    user_agent: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeriverProgress(Base):
    """One row: the journal id up to which every row has been derived, committed with the
    writes that derived them."""

    __tablename__ = "collector_deriver"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    derived_through: Mapped[int] = mapped_column(BigId, default=0)
    derived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
