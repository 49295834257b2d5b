"""A project's Telnyx Call Control application, in the Telnyx adapter's own table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import Base, UTCDateTime, utcnow


class TelnyxSettings(Base):
    """The public key checks Telnyx's webhook signatures (it is public: kept as it is); the API
    key sends the commands that forward a call, so it is sealed with secrets.SecretBox. A row
    exists once either value was set."""

    __tablename__ = "telnyx_settings"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    public_key: Mapped[str | None] = mapped_column(String(64), default=None)  # base64
    api_key: Mapped[str | None] = mapped_column(Text, default=None)  # sealed
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
