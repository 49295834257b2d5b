"""The worker as a real process: `kill -9` mid-delivery loses nothing, and a new delivery
wakes the worker inside `dialtrail serve` without waiting for a poll."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from dialtrail.outbound import Outbound
from dialtrail.webhooks.models import WebhookDelivery
from dialtrail.webhooks.worker import DeliveryWorker
from tests.support.hooks import BOX, Hooks
from tests.support.processes import DIALTRAIL, database_url, serving
from tests.support.receiver import Answer
from tests.support.waiting import wait_for


def start_worker(hooks: Hooks) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "DIALTRAIL_DATABASE_URL": database_url(hooks.database),
        "DIALTRAIL_SECRET_KEY": hooks.database.settings.secret_key,
        "DIALTRAIL_WEBHOOK_ALLOW_PRIVATE": "1",
    }
    return subprocess.Popen(
        [DIALTRAIL, "worker"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_worker_killed_mid_delivery_loses_nothing(hooks: Hooks) -> None:
    hooks.webhook()
    hooks.clock.now = datetime.now(UTC)
    hooks.call()
    hooks.receiver.answer(Answer(200, "too late", delay=5))  # the CRM hangs…
    first = start_worker(hooks)
    try:
        wait_for(lambda: len(hooks.receiver.received) == 1, "the first attempt", timeout=30)
    finally:
        first.send_signal(signal.SIGKILL)  # …and the worker dies mid-request
        first.communicate(timeout=10)
    # The dead worker's claim would run out in 60 s; age it instead of sleeping.
    with hooks.database.session() as db:
        stale = datetime.now(UTC) - timedelta(seconds=1)
        db.execute(update(WebhookDelivery).values(claimed_until=stale))
        db.commit()

    second = start_worker(hooks)
    try:
        wait_for(lambda: hooks.deliveries()[0].status == "delivered", "the delivery", timeout=30)
    finally:
        second.terminate()
        second.communicate(timeout=20)

    ids = [request.headers["webhook-id"] for request in hooks.receiver.received]
    assert len(ids) == 2
    assert len(set(ids)) == 1  # the same delivery, seen twice: at-least-once, never zero
    assert second.returncode == 0  # SIGTERM ends the worker cleanly


def test_serve_runs_the_delivery_worker(hooks: Hooks) -> None:
    hooks.webhook()
    environment = {
        "DIALTRAIL_DATABASE_URL": database_url(hooks.database),
        "DIALTRAIL_WEBHOOK_ALLOW_PRIVATE": "1",
    }
    with serving(environment) as base_url:
        hooks.world.owner.client.base_url = httpx.URL(base_url)
        hooks.clock.now = datetime.now(UTC)
        hooks.call()
        wait_for(lambda: len(hooks.receiver.received) == 1, "the delivery", timeout=30)
    assert hooks.deliveries()[0].status == "delivered"


def test_a_new_delivery_wakes_a_sleeping_worker(hooks: Hooks) -> None:
    """A worker that would not poll again for an hour still sends at once: the commit that
    wrote the delivery wakes it (the server of this test runs in this process)."""
    hooks.webhook()
    worker = DeliveryWorker(
        hooks.database.sessions, BOX, Outbound(allow_private=True), poll_seconds=3600
    )
    started = threading.Event()

    async def run(stop: asyncio.Event) -> None:
        task = asyncio.create_task(worker.run(stop))
        await asyncio.sleep(0.2)  # let it make its first (empty) round and go to sleep
        started.set()
        await task
        await worker.outbound.close()

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(run(stop),))
    thread.start()
    try:
        assert started.wait(10)
        hooks.clock.now = datetime.now(UTC)
        hooks.call()
        wait_for(
            lambda: len(hooks.receiver.received) == 1, "the woken worker's delivery", timeout=30
        )
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=20)
        loop.close()
    assert hooks.deliveries()[0].status == "delivered"


# Its own waits (two processes starting, up to 120 s for the deliveries) add up to more than
# the suite's 120 s per test, which cut it short on a busy machine before they could say why.
@pytest.mark.timeout(300)
def test_two_workers_deliver_a_thousand_events_none_lost(hooks: Hooks) -> None:
    """1,000 call events, two `dialtrail worker` processes: every delivery arrives; a repeat is
    only what at-least-once allows (none expected here, as no worker dies)."""
    if hooks.database.backend != "postgresql":
        pytest.skip(
            "several workers are the PostgreSQL deployment (docs/design.md §8); on SQLite the "
            "kill -9 test above covers a second worker picking up"
        )
    hooks.webhook()
    hooks.clock.now = datetime.now(UTC)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: hooks.report("ended", f"CA{n}", duration_seconds=5), range(1000)))
    workers = [start_worker(hooks), start_worker(hooks)]
    try:
        wait_for(lambda: len(hooks.receiver.received) >= 1000, "1,000 deliveries", timeout=120)
        wait_for(
            lambda: all(d.status == "delivered" for d in hooks.deliveries()),
            "all recorded",
            timeout=30,
        )
    finally:
        for worker in workers:
            worker.terminate()
            worker.communicate(timeout=20)
    ids = [request.headers["webhook-id"] for request in hooks.receiver.received]
    expected = {delivery.message_id for delivery in hooks.deliveries()}
    assert len(expected) == 1000
    assert set(ids) == expected
    assert len(ids) == 1000  # claims kept the two workers apart: nothing sent twice
