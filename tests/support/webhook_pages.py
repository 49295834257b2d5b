"""The webhook editor's form as a browser posts it, and what the tests read back from the pages
(tests/admin/test_webhook_pages.py and test_webhook_secrets_and_trials.py)."""

from __future__ import annotations

import html
import re
from typing import Any

from dialtrail.secrets import SecretBox
from tests.support.databases import TEST_SECRET_KEY
from tests.support.people import World

BOX = SecretBox(TEST_SECRET_KEY)
SECRET = re.compile(r'data-testid="secret">(whsec_[^<]+)<')
HOSTILE = "<img src=x onerror=alert(1)>"


def form(**overrides: str) -> dict[str, str]:
    """The editor's fields as a browser posts them: one parameter row, call.completed."""
    return {
        "name": "CRM",
        "event-call.completed": "on",
        "url": "http://127.0.0.1:9/hook",
        "method": "POST",
        "format": "json",
        "date_format_choice": "iso8601",
        "date_format_pattern": "",
        "parameters-0-name": "visit id",
        "parameters-0-source": "entity.visit_id",
        "parameters-0-constant": "",
        "parameters-0-constant_type": "text",
        "enabled": "on",
        "action": "save",
        **overrides,
    }


def webhooks(world: World) -> list[dict[str, Any]]:
    url = f"/api/v1/projects/{world.project_id}/webhooks"
    items: list[dict[str, Any]] = world.owner.client.get(url).json()["items"]
    return items


def field_error(page: str, field: str) -> str:
    pattern = rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>'
    found = re.search(pattern, page, re.S)
    assert found is not None, f"no error at {field}"
    return html.unescape(found.group(1))


def request_shown(page: str) -> str:
    found = re.search(r'data-testid="request">(.*?)</pre>', page, re.S)
    assert found is not None, "the page shows no request"
    return html.unescape(found.group(1))


def create_by_api(world: World, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "CRM",
        "events": ["call.completed"],
        "url": "http://127.0.0.1:9/hook",
        "parameters": [{"name": "visit id", "value": "entity.visit_id"}],
        **fields,
    }
    response = world.owner.client.post(f"/api/v1/projects/{world.project_id}/webhooks", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
