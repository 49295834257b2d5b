"""Every field a call's visit snapshot stores is a webhook parameter (``visit.fbclid`` and
``visit.yclid`` once were stored, exported and in the full event, yet refused as parameters)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import inspect

from dialtrail.calls.snapshots import LatestPage, visit_fields
from dialtrail.sessions.models import WebSession
from dialtrail.webhooks.catalogue import FIELDS
from tests.support.people import World
from tests.support.webhooks import create_webhook, webhooks_url

# Session columns a snapshot leaves out on purpose, and why.
NOT_IN_THE_SNAPSHOT = {
    "id": "internal; the snapshot names the visit by its client key (session_id)",
    "project_id": "the event's project group carries it",
    "visitor_id": "internal; the snapshot carries the visitor's client key instead",
    "last_activity_at": "changes after the call; the snapshot is as of the call",
    "ip": "truncated, and kept out of what reaches a CRM",
}
# Session columns stored under another name in the snapshot.
RENAMED = {"key": "session_id"}


def snapshot_keys() -> set[str]:
    session = WebSession(key="s" * 16, started_at=datetime(2026, 11, 27, tzinfo=UTC))
    visit = visit_fields(session, "v" * 16, LatestPage(1, "https://example.com/", 1))
    return set(visit.as_json())


def catalogue_visit_keys() -> set[str]:
    return {field.key.removeprefix("visit.") for field in FIELDS if field.group == "visit"}


def test_the_catalogue_lists_exactly_the_snapshots_visit_fields() -> None:
    assert catalogue_visit_keys() == snapshot_keys()


def test_every_stored_visit_column_reaches_the_snapshot() -> None:
    columns = {column.key for column in inspect(WebSession).columns}
    carried = {RENAMED.get(column, column) for column in columns - set(NOT_IN_THE_SNAPSHOT)}

    assert carried - snapshot_keys() == set()
    assert {"fbclid", "yclid"} <= carried


def test_it_accepts_every_visit_field_as_a_parameter_and_previews_it(world: World) -> None:
    parameters = [{"name": key, "value": f"visit.{key}"} for key in ("fbclid", "yclid", "gclid")]
    webhook = create_webhook(
        world, parameters=parameters, filters=[{"field": "visit.fbclid", "op": "exists"}]
    )
    preview_url = f"{webhooks_url(world)}/{webhook['id']}/preview"

    preview = world.owner.client.post(preview_url, json={}).json()

    assert json.loads(preview["body"]) == {
        "fbclid": "IwAR2x…",
        "yclid": "4834271…",
        "gclid": "Cj0KCQ…",
    }
