"""The telephony adapters, registered once: their routes, their settings APIs and the PBXs
Dialtrail connects to (the checklist: ``calls/adapters/__init__.py``)."""

from __future__ import annotations

from fastapi import APIRouter

from dialtrail.calls.adapters.asterisk import PBX as ASTERISK
from dialtrail.calls.adapters.asterisk import settings_api as asterisk_settings
from dialtrail.calls.adapters.freeswitch import PBX as FREESWITCH
from dialtrail.calls.adapters.freeswitch import settings_api as freeswitch_settings
from dialtrail.calls.adapters.pbx.adapter import Pbx
from dialtrail.calls.adapters.telnyx import settings_api as telnyx_settings
from dialtrail.calls.adapters.telnyx.routes import router as telnyx_router
from dialtrail.calls.adapters.twilio import settings_api as twilio_settings
from dialtrail.calls.adapters.twilio.routes import router as twilio_router
from dialtrail.calls.adapters.vonage import settings_api as vonage_settings
from dialtrail.calls.adapters.vonage.routes import router as vonage_router

ADAPTERS: dict[str, APIRouter] = {
    "twilio": twilio_router,
    "telnyx": telnyx_router,
    "vonage": vonage_router,
}
# Each adapter's settings API, served under /api/v1 with the rest of the API.
SETTINGS: dict[str, APIRouter] = {
    "twilio": twilio_settings.router,
    "telnyx": telnyx_settings.router,
    "vonage": vonage_settings.router,
    "asterisk": asterisk_settings.router,
    "freeswitch": freeswitch_settings.router,
}
# The PBXs Dialtrail connects to (pbx/listener.py), by name.
LISTENERS: dict[str, Pbx] = {
    "asterisk": ASTERISK,
    "freeswitch": FREESWITCH,
}


def adapter_routers() -> list[tuple[str, APIRouter]]:
    """(URL prefix, router) of every adapter."""
    return [(f"/telephony/{name}", router) for name, router in ADAPTERS.items()]
