"""The admin UI's own table: what the next page of one sign-in shows once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import Base, UTCDateTime


class AdminFlash(Base):
    """What the next admin page of one sign-in shows once (admin/flash.py): a notice, or a
    secret such as a new API token's, sealed with the server's key. In the database, not in
    a process's memory: behind a load balancer the page after a redirect may be served by
    another process."""

    __tablename__ = "admin_flashes"
    __table_args__ = (Index("ix_admin_flashes_login_kind", "login_session_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login_session_id: Mapped[int] = mapped_column(
        ForeignKey("login_sessions.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(40))
    sealed_value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
