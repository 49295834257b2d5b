"""A project's FreeSWITCH event socket connection, in the adapter's own table."""

from __future__ import annotations

from dialtrail.calls.adapters.pbx.models import CONNECTION_STATES, PbxSettingsColumns
from dialtrail.storage.base import Base, one_of


class FreeswitchSettings(PbxSettingsColumns, Base):
    __tablename__ = "freeswitch_settings"
    __table_args__ = (one_of("state", CONNECTION_STATES),)
