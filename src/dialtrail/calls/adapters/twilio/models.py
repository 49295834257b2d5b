"""A project's Twilio account, in the Twilio adapter's own table: adding a provider adds a
folder and its table, never columns on ``projects``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import Base, UTCDateTime, utcnow


class TwilioSettings(Base):
    """The auth token is sealed with secrets.SecretBox, not hashed: request signatures must be
    checked with the token itself. A row exists once either value was set."""

    __tablename__ = "twilio_settings"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    account_sid: Mapped[str | None] = mapped_column(String(64), default=None)
    auth_token: Mapped[str | None] = mapped_column(Text, default=None)  # sealed
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
