"""Helpers for webhook tests: the URL of a project's webhooks and a valid webhook body."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dialtrail.webhooks.models import Webhook
from tests.support.databases import Database
from tests.support.people import World

RECEIVER = "https://crm.example.com/hooks/dialtrail"


def webhooks_url(world: World, project_id: int | None = None) -> str:
    return f"/api/v1/projects/{project_id or world.project_id}/webhooks"


def webhook_body(**fields: Any) -> dict[str, Any]:
    return {"name": "CRM", "events": ["call.completed"], "url": RECEIVER, **fields}


def create_webhook(world: World, **fields: Any) -> dict[str, Any]:
    """Adds a webhook to "Acme" as its owner; the answer includes the secret."""
    response = world.owner.client.post(webhooks_url(world), json=webhook_body(**fields))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def webhook_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Webhook)) or 0
