"""Telephony adapters: one folder per provider, all of the same shape.

Each adapter turns its provider's requests into ``events.TelephonyEvent`` values, hands them
to ``ingest.record_event`` and answers in the provider's terms. Its routes are served under
``/telephony/<name>/``. To add a provider:

1. ``calls/adapters/<name>/``: ``routes.py`` (an ``APIRouter`` named ``router``; check the
   provider's signature before anything is stored), ``mapping.py`` (pure: provider fields to
   events, dispositions), ``console.py`` (the URLs to paste, ``public_urls.py``), and what
   else the provider needs (``twiml.py`` for Twilio, ``ncco.py`` for Vonage, ``commands.py``
   for Telnyx's Call Control API, sent through ``outbound.py``);
2. register it in ``ADAPTERS`` below;
3. its settings in its own table (``models.py``, a migration; credentials sealed with
   ``secrets.SecretBox``), never columns on ``projects``, with their API in
   ``settings_api.py`` (``/api/v1/projects/{id}/telephony/<name>``, write-only secrets) and
   their section in the admin's Project settings; register the router in ``SETTINGS`` below;
4. tests with recorded request fixtures in ``tests/calls/fixtures/<name>/``, signed in the
   test the way the provider signs;
5. a section in ``docs/telephony.md``.

A self-hosted PBX is not called over HTTP: Dialtrail connects to it. Its folder has
``models.py`` (the shared columns of ``pbx/models.py``), the protocol's client (``ami.py``,
``esl.py``: ``login`` and the events as fields), ``mapping.py`` (pure: a tracker following
calls through the events, emitting ``pbx/events.PbxEvent``) and a ``Pbx`` in its
``__init__.py``, registered in ``LISTENERS`` below; ``pbx/listener.py`` keeps one connection per
configured PBX, ``pbx/settings_api.py`` gives it its settings API (register it in ``SETTINGS``)
and the admin's Project settings its section. Tests replay the vendor's documented events
through a scripted server (``tests/support/pbx_servers.py``).
"""

from __future__ import annotations

from fastapi import APIRouter

from dialtrail.calls.adapters import asterisk, freeswitch, telnyx, twilio, vonage
from dialtrail.calls.adapters.asterisk import settings_api as asterisk_settings
from dialtrail.calls.adapters.freeswitch import settings_api as freeswitch_settings
from dialtrail.calls.adapters.pbx.adapter import Pbx
from dialtrail.calls.adapters.telnyx import settings_api as telnyx_settings
from dialtrail.calls.adapters.twilio import settings_api as twilio_settings
from dialtrail.calls.adapters.vonage import settings_api as vonage_settings

ADAPTERS: dict[str, APIRouter] = {
    "twilio": twilio.router,
    "telnyx": telnyx.router,
    "vonage": vonage.router,
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
    "asterisk": asterisk.PBX,
    "freeswitch": freeswitch.PBX,
}


def adapter_routers() -> list[tuple[str, APIRouter]]:
    """(URL prefix, router) of every adapter."""
    return [(f"/telephony/{name}", router) for name, router in ADAPTERS.items()]
