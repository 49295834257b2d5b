"""The composition root (ARCHITECTURE.md, "Layers"): what a lower layer calls but only a higher
one provides, wired once at start-up by the app (``create_app``), the CLI (``main``) and the
tests. Every table is known from here on (``dialtrail.models``).

A hook left unwired raises ``hooks.NotWired`` when used, so a process that skipped this fails
loudly instead of recording calls without their webhook deliveries.
"""

from __future__ import annotations

from dialtrail import models
from dialtrail.calls.ingest import CATCH_UP
from dialtrail.calls.listeners import CALL_EVENT_LISTENERS
from dialtrail.calls.models import Call
from dialtrail.calls.queries import sessions_calls_refer_to
from dialtrail.collector.deriver import catch_up
from dialtrail.entities.service import ENTITY_USERS, refuse_raw_js_off_while_used
from dialtrail.projects.service import SETTINGS_CHECKS
from dialtrail.sessions import changed_days
from dialtrail.sessions.models import WebSession
from dialtrail.sessions.retention import SESSION_KEEPERS
from dialtrail.webhooks.outbox import enqueue
from dialtrail.webhooks.service import webhooks_using_entity

ALL_TABLES = models.metadata


def wire() -> None:
    """Idempotent: wiring again replaces the same functions."""
    # docs/design.md §6: a call event's deliveries are written in its own transaction.
    CALL_EVENT_LISTENERS.wire(enqueue)
    # Renaming or deleting an entity a webhook sends is refused unless forced.
    ENTITY_USERS.wire(webhooks_using_entity)
    # allow_raw_js stays on while an entity uses js:.
    SETTINGS_CHECKS.wire(refuse_raw_js_off_while_used)
    # `dialtrail prune` keeps the sessions calls refer to.
    SESSION_KEEPERS.wire(sessions_calls_refer_to)
    # A call's attribution first derives what the collector acknowledged (docs/design.md §3).
    CATCH_UP.wire(catch_up)
    # The reports' per-day rollups recompute the days of calls and sessions written through
    # the ORM (reports/rollup.py; the collector's deriver marks its sessions itself).
    changed_days.watch(Call, WebSession)
