"""One tenant's slow receiver holds up only its own deliveries (issue #12): the worker keeps
claiming, sending and recording while the hung requests wait, and a webhook never has more
than its lane's share of requests in flight."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from dialtrail.outbound import Outbound
from dialtrail.webhooks.lanes import PER_WEBHOOK
from dialtrail.webhooks.models import WebhookDelivery
from dialtrail.webhooks.worker import BATCH, HOLD, Claim, DeliveryWorker, Job, Outcome
from tests.support.hooks import BOX, Hooks
from tests.support.receiver import Answer, receiving
from tests.support.waiting import wait_for


def pending_deliveries(hooks: Hooks, webhook_id: int, project_id: int, count: int) -> None:
    """A backlog, older than anything the calls of the test add."""
    due = hooks.clock.now - timedelta(minutes=1)
    with hooks.database.session() as db:
        db.add_all(
            WebhookDelivery(
                webhook_id=webhook_id,
                project_id=project_id,
                event="call.completed",
                message_id=f"msg_backlog_{number}",
                data={"call": {}, "visit": {}, "entities": {}},
                occurred_at=due,
                next_attempt_at=due,
            )
            for number in range(count)
        )
        db.commit()


def statuses(hooks: Hooks, webhook_id: int) -> list[tuple[str, int]]:
    return [(d.status, d.attempts) for d in hooks.deliveries() if d.webhook_id == webhook_id]


def test_a_hung_receiver_does_not_hold_up_another_tenants_deliveries(hooks: Hooks) -> None:
    released = threading.Event()
    with receiving() as hung:
        hung.default = Answer(200, "late", hold=released)
        hung_id, _ = hooks.webhook(
            project_id=hooks.world.other_project_id, url=hung.url + "/hook", name="Other's CRM"
        )
        backlog = BATCH + 50  # more than one claim: the hung webhook must not crowd it
        pending_deliveries(hooks, hung_id, hooks.world.other_project_id, backlog)
        prompt_id, _ = hooks.webhook()  # the world's project, with the hooks' prompt receiver
        with hooks.working():
            try:
                wait_for(lambda: hung.answering >= PER_WEBHOOK, "the hung lane to fill", timeout=30)
                for call in ("CA1", "CA2", "CA3"):
                    hooks.call(call)  # each commit wakes the worker
                wait_for(
                    lambda: statuses(hooks, prompt_id) == [("delivered", 1)] * 3,
                    "the prompt receiver's deliveries",
                    timeout=30,
                )
                assert statuses(hooks, hung_id) == [("pending", 0)] * backlog  # still in flight
                assert len(hung.received) == PER_WEBHOOK

                released.set()
                wait_for(
                    lambda: statuses(hooks, hung_id) == [("delivered", 1)] * backlog,
                    "the hung receiver's deliveries",
                    timeout=120,
                )
            finally:
                released.set()  # a failing test's worker can then finish and stop

    assert hung.most_at_once == PER_WEBHOOK
    assert len(hung.received) == backlog  # each once
    assert [r.headers["webhook-id"] for r in hooks.receiver.received] == [
        d.message_id for d in hooks.deliveries() if d.webhook_id == prompt_id
    ]


def test_a_tenants_backlog_does_not_hold_up_another_tenants_new_delivery(hooks: Hooks) -> None:
    """A receiver that answers, slowly, with a backlog three times what the worker holds: its
    lane earns room to hold all it may, and oldest-first it would take every freed place
    until its whole backlog was claimed. Another project's new delivery is claimed first
    (lanes.py, "Fairness"): it is delivered while much of the backlog is not even claimed."""
    with receiving() as slow:
        slow.default = Answer(200, "ok", delay=0.05)
        slow_id, _ = hooks.webhook(
            project_id=hooks.world.other_project_id, url=slow.url + "/hook", name="Other's CRM"
        )
        backlog = 3 * HOLD
        pending_deliveries(hooks, slow_id, hooks.world.other_project_id, backlog)
        prompt_id, _ = hooks.webhook()
        with hooks.working():
            # By now the slow lane has completed enough to hold as much as any webhook may.
            wait_for(lambda: len(slow.received) >= HOLD, "the backlog to be under way", timeout=60)
            hooks.call("CA1")
            wait_for(
                lambda: statuses(hooks, prompt_id) == [("delivered", 1)],
                "the other tenant's delivery",
                timeout=30,
            )
            waiting = [status for status, _ in statuses(hooks, slow_id)].count("pending")
            wait_for(
                lambda: statuses(hooks, slow_id) == [("delivered", 1)] * backlog,
                "the backlog",
                timeout=120,
            )

    assert waiting > HOLD  # more than the worker may hold: part of the backlog was unclaimed
    assert len(slow.received) == backlog  # each once
    assert slow.most_at_once <= PER_WEBHOOK


def test_a_delivery_whose_claim_would_run_out_goes_back_unsent(hooks: Hooks) -> None:
    """Sending it that late could overlap another worker's claim: it is handed back instead,
    with no attempt counted, and the next round sends it."""
    webhook_id, _ = hooks.webhook()
    hooks.call()
    worker = DeliveryWorker(hooks.database.sessions, BOX, Outbound(allow_private=True), hooks.clock)
    claim = worker.claim

    def claim_then_wait(db: Session, wanted: Claim, now: datetime) -> list[Job]:
        jobs = claim(db, wanted, now)
        hooks.clock.advance(seconds=31)  # waiting for a lane ate half of the 60-second claim
        return jobs

    worker.claim = claim_then_wait  # type: ignore[method-assign,assignment]
    assert run_once(worker) == 1

    assert statuses(hooks, webhook_id) == [("pending", 0)]
    assert hooks.deliveries()[0].claimed_until is None  # due again at once
    assert hooks.attempts() == []
    assert hooks.receiver.received == []
    assert hooks.deliver() == 1
    assert statuses(hooks, webhook_id) == [("delivered", 1)]


def test_a_late_hand_back_leaves_another_workers_claim_alone(hooks: Hooks) -> None:
    """This worker's claim ran out while the delivery waited for its lane, and another worker
    claimed it since: handing it back unsent must not free the other worker's claim (it would
    be sent twice at once). Each step is its own committed transaction, as between workers."""
    webhook_id, _ = hooks.webhook()
    hooks.call()
    worker = DeliveryWorker(hooks.database.sessions, BOX, Outbound(allow_private=True), hooks.clock)
    _, (job,) = worker.record_and_claim([], Claim(1, {}, set()))

    hooks.clock.advance(seconds=61)  # the claim ran out; another worker claims the delivery
    theirs = hooks.clock.now + timedelta(seconds=60)
    with hooks.database.session() as db:
        db.execute(update(WebhookDelivery).values(claimed_until=theirs))
        db.commit()
    stale = Outcome(job, hooks.clock.now, None, unsent=True)
    recorded, _ = worker.record_and_claim([stale], Claim(0, {}, set()))

    assert recorded.results == ["ignored"]
    (delivery,) = hooks.deliveries()
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("pending", 0, theirs)
    assert hooks.deliver() == 0  # still theirs: nobody else sends it meanwhile
    assert statuses(hooks, webhook_id) == [("pending", 0)]

    ours = replace(job, claimed_until=theirs)  # the same hand-back by the claim's holder
    recorded, _ = worker.record_and_claim([replace(stale, job=ours)], Claim(0, {}, set()))
    assert recorded.results == ["released"]
    assert hooks.deliveries()[0].claimed_until is None


def test_rounds_on_the_event_loop_deliver_alike(hooks: Hooks) -> None:
    """`dialtrail worker` on SQLite runs its rounds on the loop's own thread (worker.py)."""
    webhook_id, _ = hooks.webhook()
    hooks.call("CA1")
    hooks.call("CA2")
    outbound = Outbound(allow_private=True)
    worker = DeliveryWorker(hooks.database.sessions, BOX, outbound, hooks.clock, inline_rounds=True)

    assert run_once(worker) == 2

    assert statuses(hooks, webhook_id) == [("delivered", 1)] * 2
    assert len(hooks.receiver.received) == 2


def run_once(worker: DeliveryWorker) -> int:
    async def once() -> int:
        try:
            return await worker.run_once()
        finally:
            await worker.outbound.close()

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, once()).result()
