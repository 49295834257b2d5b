"""Asterisk (FreePBX, Issabel, VitalPBX): calls followed over the Asterisk Manager Interface
by a long-running listener (docs/telephony.md, "Asterisk")."""

from __future__ import annotations

from dialtrail.calls.adapters.asterisk.ami import login
from dialtrail.calls.adapters.asterisk.mapping import AsteriskCalls
from dialtrail.calls.adapters.asterisk.models import AsteriskSettings
from dialtrail.calls.adapters.pbx.adapter import Pbx

PBX = Pbx(
    name="asterisk",
    title="Asterisk (AMI)",
    model=AsteriskSettings,
    default_port=5038,
    needs_username=True,
    login=login,
    tracker=lambda target: AsteriskCalls(),
)
