"""Telnyx's and Vonage's requests for tests outside tests/calls: the recorded fixtures of
tests/calls/test_telnyx.py and test_vonage.py, signed the way each provider signs, sent to a
server of the test's own (its clock chosen, its Telnyx API a local receiver)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dialtrail.app import create_app
from dialtrail.calls.adapters.telnyx.commands import TelnyxApi
from dialtrail.storage.base import utcnow
from tests.calls import test_telnyx, test_vonage
from tests.support.databases import Database
from tests.support.people import World
from tests.support.receiver import Answer, Receiver, receiving
from tests.support.server import serve


def give_telnyx_keys(world: World) -> None:
    fields = {"public_key": test_telnyx.PUBLIC_KEY, "api_key": test_telnyx.API_KEY}
    url = f"/api/v1/projects/{world.project_id}/telephony/telnyx"
    answer = world.owner.client.patch(url, json=fields)
    assert answer.status_code == 200, answer.text


def give_vonage_keys(world: World) -> None:
    fields = {"api_key": test_vonage.API_KEY, "signature_secret": test_vonage.SIGNATURE_SECRET}
    url = f"/api/v1/projects/{world.project_id}/telephony/vonage"
    answer = world.owner.client.patch(url, json=fields)
    assert answer.status_code == 200, answer.text


@contextmanager
def server_for_providers(
    database: Database, base_url: str = "", clock: Callable[[], datetime] = utcnow
) -> Iterator[tuple[str, Receiver]]:
    """A server, and the local receiver standing in for Telnyx's Call Control API."""
    with receiving() as telnyx_api:
        telnyx_api.default = Answer(200, '{"data": {"result": "ok"}}')
        app = create_app(database.settings.replace(base_url=base_url), database.engine, clock)
        app.state.telnyx_api = TelnyxApi(telnyx_api.url, allow_private=True)
        with serve(app) as url:
            yield url, telnyx_api


def send_telnyx(
    server_url: str,
    project_id: int,
    fixture: str,
    at: datetime,
    changes: Mapping[str, Any] | None = None,
    key: Ed25519PrivateKey = test_telnyx.PRIVATE_KEY,
) -> httpx.Response:
    """Telnyx's recorded webhook, its ``data.payload`` changed by ``changes``, signed at ``at``."""
    body = test_telnyx.recorded(fixture)
    body["data"]["payload"].update(changes or {})
    body["data"]["occurred_at"] = at.isoformat()
    raw = json.dumps(body).encode()
    with httpx.Client(base_url=server_url, timeout=30) as client:
        return client.post(
            f"/telephony/telnyx/{project_id}/webhook",
            content=raw,
            headers=test_telnyx.signed_headers(raw, at, key),
        )


def send_vonage(
    server_url: str,
    project_id: int,
    hook: str,
    fixture: str,
    at: datetime,
    changes: Mapping[str, Any] | None = None,
    signed_at: datetime | None = None,
) -> httpx.Response:
    """Vonage's recorded request to ``hook``, changed by ``changes``, its token signed at
    ``signed_at`` (default ``at``)."""
    body = {**test_vonage.recorded(fixture), **(changes or {})}
    if "timestamp" in body:
        body["timestamp"] = at.isoformat()
    raw = json.dumps(body, separators=(",", ":")).encode()  # as Vonage sends it
    headers = {"Authorization": test_vonage.bearer(raw, signed_at or at),
               "Content-Type": "application/json"}  # fmt: skip
    with httpx.Client(base_url=server_url, timeout=30) as client:
        return client.post(f"/telephony/vonage/{project_id}/{hook}", content=raw, headers=headers)
