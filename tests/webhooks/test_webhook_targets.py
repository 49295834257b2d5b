"""SSRF (docs/design.md §6): private, loopback and link-local targets refused on save and on send
when the operator has not allowed them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dialtrail.app import create_app
from tests.support.databases import Database
from tests.support.hooks import Hooks
from tests.support.people import World
from tests.support.server import serve


@pytest.fixture
def guarded(world: World, database: Database) -> Iterator[httpx.Client]:
    """The owner's client against a server that keeps webhooks off private addresses."""
    settings = database.settings.replace(webhook_allow_private=False)
    assert not settings.webhook_allow_private  # the guard itself is what these tests check
    with serve(create_app(settings, database.engine)) as base_url:
        headers = dict(world.owner.client.headers)
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            yield client


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("http://10.0.0.1/crm", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]/hook", "loopback"),
        ("http://100.100.100.200/latest/meta-data/", "non-global"),
        ("http://192.0.0.8/", "non-global"),
        ("http://[2002:7f00:1::]/hook", "loopback"),
        ("http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "link-local"),
        ("http://[::ffff:a9fe:a9fe]/latest/meta-data/", "link-local"),
    ],
)
def test_a_private_target_is_refused_on_save(
    guarded: httpx.Client, world: World, url: str, reason: str
) -> None:
    body = {"name": "CRM", "events": ["call.completed"], "url": url}
    response = guarded.post(f"/api/v1/projects/{world.project_id}/webhooks", json=body)

    assert response.status_code == 422
    (problem,) = response.json()["fields"]
    assert problem["field"] == "url"
    assert f"a {reason} address" in problem["message"]
    assert "DIALTRAIL_WEBHOOK_ALLOW_PRIVATE=1" in problem["message"]


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    "url", ["http://2130706433/hook", "http://127.1/hook", "http://0177.0.0.1/", "http://0x7f.1/"]
)
def test_an_unusual_ipv4_spelling_is_refused_on_save(
    guarded: httpx.Client, world: World, url: str
) -> None:
    body = {"name": "CRM", "events": ["call.completed"], "url": url}
    response = guarded.post(f"/api/v1/projects/{world.project_id}/webhooks", json=body)

    assert response.status_code == 422
    (problem,) = response.json()["fields"]
    assert problem["field"] == "url"
    assert "unusual spelling" in problem["message"]


def test_a_target_that_became_private_is_refused_on_send(hooks: Hooks) -> None:
    """Saved while allowed (or while its DNS said otherwise): the worker refuses it anyway and
    logs why on the attempt."""
    from dialtrail.outbound import Outbound
    from dialtrail.webhooks.worker import DeliveryWorker
    from tests.support.hooks import BOX

    hooks.webhook(url="http://169.254.169.254/latest/meta-data/")
    hooks.call()
    worker = DeliveryWorker(
        hooks.database.sessions, BOX, Outbound(allow_private=False), hooks.clock
    )
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def once() -> int:
        try:
            return await worker.run_once()
        finally:
            await worker.outbound.close()

    with ThreadPoolExecutor(max_workers=1) as thread:
        assert thread.submit(asyncio.run, once()).result() == 1
    (attempt,) = hooks.attempts()
    assert attempt.status_code is None
    assert "link-local address" in (attempt.error or "")
    assert hooks.deliveries()[0].status == "pending"  # retried like any failure
