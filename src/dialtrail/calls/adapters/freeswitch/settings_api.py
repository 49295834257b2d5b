"""``/api/v1/projects/{id}/telephony/freeswitch`` (pbx/settings_api.py)."""

from dialtrail.calls.adapters.freeswitch import PBX
from dialtrail.calls.adapters.pbx.settings_api import settings_router

router = settings_router(PBX)
