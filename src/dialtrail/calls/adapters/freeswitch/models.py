"""A project's FreeSWITCH event socket connection, in the adapter's own table."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.calls.adapters.pbx.models import CONNECTION_STATES, PbxSettingsColumns
from dialtrail.storage.base import Base, one_of


class FreeswitchSettings(PbxSettingsColumns, Base):
    __tablename__ = "freeswitch_settings"
    __table_args__ = (one_of("state", CONNECTION_STATES),)

    # The event header holding the dialled number (``variable_sip_to_user``); None: the
    # channel's Caller-Destination-Number (docs/telephony.md, "FreeSWITCH").
    did_variable: Mapped[str | None] = mapped_column(String(128), default=None)
