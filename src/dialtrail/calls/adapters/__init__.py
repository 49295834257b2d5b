"""Telephony adapters: one folder per provider, all of the same shape.

Each adapter turns its provider's requests into ``events.TelephonyEvent`` values, hands them
to ``ingest.record_event`` and answers in the provider's terms. Its routes are served under
``/telephony/<name>/``. To add a provider:

1. ``calls/adapters/<name>/``: ``routes.py`` (an ``APIRouter`` named ``router``; check the
   provider's signature before anything is stored; a new call through
   ``ingest.record_start``, which says where to send it), ``mapping.py`` (pure: provider fields to
   events, dispositions), ``console.py`` (the URLs to paste, ``public_urls.py``), and what
   else the provider needs (``twiml.py`` for Twilio, ``ncco.py`` for Vonage, ``commands.py``
   for Telnyx's Call Control API, sent through ``outbound.py``);
2. register it in ``ADAPTERS`` (``registry.py``);
3. its settings in its own table (``models.py``, a migration), never columns on ``projects``:
   one value kept as given and one secret sealed with ``secrets.SecretBox``, described once
   as a ``SealedSettings`` in ``credentials.py`` (``sealed_settings.py`` reads, changes and
   opens them: ``opened`` in its routes' signature check);
4. ``settings_api.py``: its own request model (field names, rules and messages, with
   ``api.schemas.stripped``) and answer model (the plain field, ``configured``, and the
   fields of its ``ConsoleSetup``), and ``router = settings_router(...)``
   (``sealed_settings_api.py``: ``/api/v1/projects/{id}/telephony/<name>``, the secret
   write-only); register the router in ``SETTINGS`` (``registry.py``);
5. its section in the admin's Project settings: a ``ProviderForm`` in ``FORMS``
   (``admin/telephony_sections.py``) and its template, ``admin/templates/projects/<name>.html``;
6. tests with recorded request fixtures in ``tests/calls/fixtures/<name>/``, signed in the
   test the way the provider signs;
7. a section in ``docs/telephony.md``.

A self-hosted PBX is not called over HTTP: Dialtrail connects to it. Its folder has
``models.py`` (the shared columns of ``pbx/models.py``), the protocol's client (``ami.py``,
``esl.py``: ``login`` and the events as fields), ``mapping.py`` (pure: a tracker following
calls through the events, emitting ``pbx/events.PbxEvent``) and a ``Pbx`` in its
``__init__.py``, registered in ``LISTENERS`` (``registry.py``); ``pbx/listener.py`` keeps one
connection per configured PBX, ``pbx/settings_api.py`` gives it its settings API (register it
in ``SETTINGS``) and the admin's Project settings its section. Tests replay the vendor's
documented events through a scripted server (``tests/support/pbx_servers.py``).

This package (and each provider's ``__init__.py``) imports nothing: a table's module
(``<name>/models.py``) is imported by ``dialtrail.models`` in every process, and importing it
must not import every provider's routes, FastAPI and aiohttp with it (a `dialtrail` command's
start-up paid a second for that).
"""
