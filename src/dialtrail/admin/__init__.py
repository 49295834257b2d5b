"""The admin web UI: server-rendered pages over the same services the API uses.

Each section is one module of routes plus a folder of templates (``entities``, ``sessions``,
``installation``, ``account``); ``app.py`` puts them together under ``/admin``.
"""
