"""A project's Vonage account, in the Vonage adapter's own table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import Base, UTCDateTime, utcnow


class VonageSettings(Base):
    """The signature secret is sealed with secrets.SecretBox, not hashed: each webhook's token
    is checked with the secret itself. A row exists once either value was set."""

    __tablename__ = "vonage_settings"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    api_key: Mapped[str | None] = mapped_column(String(32), default=None)
    signature_secret: Mapped[str | None] = mapped_column(Text, default=None)  # sealed
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
