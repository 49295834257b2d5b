"""A project's Asterisk Manager Interface connection, in the adapter's own table."""

from __future__ import annotations

from dialtrail.calls.adapters.pbx.models import CONNECTION_STATES, PbxSettingsColumns
from dialtrail.storage.base import Base, one_of


class AsteriskSettings(PbxSettingsColumns, Base):
    __tablename__ = "asterisk_settings"
    __table_args__ = (one_of("state", CONNECTION_STATES),)
