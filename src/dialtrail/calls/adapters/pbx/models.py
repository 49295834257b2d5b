"""What a PBX adapter keeps per project, in its own table (AsteriskSettings, FreeswitchSettings):
where to connect, the sealed secret, and what the listener last saw, for the admin."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import UTCDateTime, utcnow

# off: no listener (not configured, or turned off); connecting: trying (again); connected:
# logged in and following events; failed: the last attempt failed, ``state_reason`` says why.
ConnectionState = Literal["off", "connecting", "connected", "failed"]
CONNECTION_STATES: tuple[ConnectionState, ...] = get_args(ConnectionState)
RECENT_EVENTS = 10  # the last events shown in the admin, with their outcome


class PbxSettingsColumns:
    """The columns both PBX settings tables share. The secret is sealed with
    secrets.SecretBox, not hashed: the listener logs in with it. A row exists once a value
    was set; the listener writes only the state columns, the settings API only the others."""

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str | None] = mapped_column(String(255), default=None)
    port: Mapped[int | None] = mapped_column(Integer, default=None)
    username: Mapped[str | None] = mapped_column(String(128), default=None)
    secret: Mapped[str | None] = mapped_column(Text, default=None)  # sealed
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="off")
    state_reason: Mapped[str] = mapped_column(Text, default="")
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The last RECENT_EVENTS events, newest first: {at, call, event, outcome, detail}.
    recent_events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # When Check connection last ran (ISO times, newest first, at most CHECKS_PER_MINUTE): its
    # rate limit, kept with the settings so that every server process counts the same checks.
    recent_checks: Mapped[list[Any]] = mapped_column(JSON, default=list)
