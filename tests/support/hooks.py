"""Webhooks delivered for real: telephony events through the API, a worker run with an
injected clock, and a receiver on a free port."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from dialtrail.outbound import Outbound
from dialtrail.secrets import SecretBox
from dialtrail.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from dialtrail.webhooks.signing import new_secret
from dialtrail.webhooks.worker import DeliveryWorker
from tests.support.databases import TEST_SECRET_KEY, Database
from tests.support.people import World
from tests.support.receiver import Receiver

BOX = SecretBox(TEST_SECRET_KEY)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Hooks:
    database: Database
    world: World
    receiver: Receiver
    clock: Clock

    def webhook(self, **fields: Any) -> tuple[int, str]:
        """A webhook of the world's project pointing at the receiver: its id and secret."""
        secret = new_secret()
        headers = fields.pop("headers", {})
        values = {
            "project_id": self.world.project_id,
            "name": "CRM",
            "events": ["call.completed"],
            "url": self.receiver.url + "/hook",
            "headers": {name: BOX.seal(value) for name, value in headers.items()},
            "secret": BOX.seal(secret),
            **fields,
        }
        with self.database.session() as db:
            webhook = Webhook(**values)
            db.add(webhook)
            db.commit()
            return webhook.id, secret

    def report(self, event: str, call_id: str = "CA1", **fields: Any) -> httpx.Response:
        body = {
            "project_id": self.world.project_id,
            "call_id": call_id,
            "event": event,
            "caller": "+380671234567",
            "called": "+380441112299",
            "at": self.event_time().isoformat(),
            **fields,
        }
        response = self.world.owner.client.post("/api/v1/telephony/events", json=body)
        assert response.status_code in (200, 201), response.text
        # The server stamps the delivery due at its own clock's "now" (the real time): the
        # worker's injected clock must not lag behind it, or nothing would be due yet.
        self.clock.now = max(self.clock.now, datetime.now(UTC))
        return response

    def event_time(self) -> datetime:
        """Now, for a telephony event: the server refuses times ahead of its own (real) clock,
        which the injected clock passes when a test advances it."""
        return min(self.clock.now, datetime.now(UTC))

    def call(self, call_id: str = "CA1", duration: int = 60) -> None:
        """A whole call: started, answered, ended."""
        start = self.event_time()
        self.report("started", call_id, at=start.isoformat())
        self.report("answered", call_id, at=(start + timedelta(seconds=5)).isoformat())
        ended = start + timedelta(seconds=duration)
        self.report("ended", call_id, at=ended.isoformat(), duration_seconds=duration)

    def deliver(self, rounds: int = 1) -> int:
        """Runs the worker ``rounds`` times at the clock's time; how many it attempted."""
        return deliver(self.database, self.clock, rounds)

    @contextmanager
    def working(self) -> Iterator[DeliveryWorker]:
        """The worker as it runs in production (its own loop, woken by commits), on the
        injected clock, in a thread of its own until the block ends."""
        worker = DeliveryWorker(
            self.database.sessions, BOX, Outbound(allow_private=True), self.clock
        )
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()

        async def work() -> None:
            try:
                await worker.run(stop)
            finally:
                await worker.outbound.close()

        thread = threading.Thread(target=loop.run_until_complete, args=(work(),))
        thread.start()
        try:
            yield worker
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(timeout=30)
            loop.close()

    def deliveries(self) -> list[WebhookDelivery]:
        with self.database.session() as db:
            return list(db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))

    def attempts(self) -> list[WebhookAttempt]:
        with self.database.session() as db:
            return list(db.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))

    def stored_webhook(self, webhook_id: int) -> Webhook:
        with self.database.session() as db:
            webhook = db.get(Webhook, webhook_id)
        assert webhook is not None
        return webhook


def deliver(database: Database, clock: Clock, rounds: int = 1) -> int:
    """Runs a delivery worker ``rounds`` times at the clock's time; how many it attempted."""
    worker = DeliveryWorker(database.sessions, BOX, Outbound(allow_private=True), clock)

    async def work() -> int:
        try:
            return sum([await worker.run_once() for _ in range(rounds)])
        finally:
            await worker.outbound.close()

    with ThreadPoolExecutor(max_workers=1) as thread:  # Playwright may hold this loop
        return thread.submit(asyncio.run, work()).result()
