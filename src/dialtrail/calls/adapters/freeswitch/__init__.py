"""FreeSWITCH (FusionPBX): calls followed over the inbound event socket by a long-running
listener (docs/telephony.md, "FreeSWITCH")."""

from __future__ import annotations

from dialtrail.calls.adapters.freeswitch.esl import login
from dialtrail.calls.adapters.freeswitch.mapping import DESTINATION, FreeswitchCalls
from dialtrail.calls.adapters.freeswitch.models import FreeswitchSettings
from dialtrail.calls.adapters.pbx.adapter import Pbx

PBX = Pbx(
    name="freeswitch",
    title="FreeSWITCH (event socket)",
    model=FreeswitchSettings,
    default_port=8021,
    needs_username=False,
    login=login,
    tracker=lambda target: FreeswitchCalls(target.did_variable),
    did_variable_default=DESTINATION,
)
