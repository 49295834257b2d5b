"""The delivery worker: claims due deliveries, sends them, records every attempt.

Runs inside ``dialtrail serve`` (unless DIALTRAIL_WORKER=0) and alone as ``dialtrail worker``;
any number of workers may share one database. A claim sets ``claimed_until``: a worker that
dies mid-delivery loses its claim when that time passes, and another worker sends the
delivery again with the same ``webhook-id`` (at-least-once). On PostgreSQL the claim query
skips rows another worker is claiming (``FOR UPDATE SKIP LOCKED``); SQLite has one writer.

A pipeline, not a batch at a time: each round of database work (one transaction) records
the attempts that finished since the last round and claims what is due and has room, while
the requests already claimed are in flight; a round starts shortly after requests finish,
when a commit wakes the worker, or when the poll comes. Each webhook has its own lane
(lanes.py), so one tenant's slow or dead receiver holds back only its own deliveries, and
webhooks holding nothing are claimed first, so one tenant's backlog does not hold back
another's new deliveries (lanes.py, "Fairness").

Ordering (docs/design.md §6): a delivery is not due while an earlier delivery of the same call
to the same webhook is still pending, so ``call.completed`` never overtakes ``call.started``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import BindParameter, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from dialtrail.outbound import CONNECTIONS, Outbound, OutboundFailed, OutboundRefused
from dialtrail.projects.models import Project
from dialtrail.secrets import SecretBox, secret_key
from dialtrail.settings import Settings
from dialtrail.storage.base import utcnow
from dialtrail.webhooks import metrics, retry
from dialtrail.webhooks.integrations import opened_settings, request_for
from dialtrail.webhooks.lanes import PER_WEBHOOK, Lanes, chosen
from dialtrail.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from dialtrail.webhooks.render import BodyTooLarge, NotSent, RenderedRequest, WebhookSpec
from dialtrail.webhooks.signing import signed_headers
from dialtrail.webhooks.wakeup import WAKEUP

logger = logging.getLogger(__name__)
CLAIM_FOR = timedelta(seconds=60)  # longer than the 15 s timeout, with room to record
# A held delivery whose claim has less than this left (after the request's timeout) is handed
# back unsent rather than risk another worker sending it too.
RECORD_MARGIN = timedelta(seconds=15)
BATCH = 200  # the most one round claims
HOLD = 2 * BATCH  # the most claimed and not yet recorded by webhooks already holding some
# Held on top of HOLD only by webhooks that held nothing when claimed (lanes.py, "Fairness"):
# however much one tenant's backlog holds, another tenant's new delivery is claimed at once.
RESERVE = BATCH // 2
# Requests in flight at once: as many as the HTTP client's connections, so that its own queue
# (one for every receiver) never holds a request back.
CONCURRENCY = CONNECTIONS
POLL_SECONDS = 1.0
# A round starts once half of what is held has finished, or this long after the first of
# them did: the database work of many deliveries then shares one transaction rather than
# each paying for its own, and a lone delivery is recorded at once.
GATHER_SECONDS = 0.25
SMALLEST_ROUND = 32  # finished deliveries that start a round before all held have finished
# Looking for webhooks holding nothing walks past the due rows of those holding some (a
# backlog, however long): done when a commit woke the worker, and otherwise this often.
NEWCOMERS_SECONDS = 0.25


@dataclass(frozen=True)
class Job:
    """A claimed delivery with everything needed to send it, read in the claim's transaction."""

    delivery_id: int
    webhook_id: int
    message_id: str
    event: str
    occurred_at: datetime
    data: dict[str, Any]
    attempts: int
    spec: WebhookSpec
    signing_secrets: list[str]
    claimed_until: datetime


@dataclass(frozen=True)
class Outcome:
    job: Job
    attempted_at: datetime
    request: RenderedRequest | None
    status_code: int | None = None
    response_body: str | None = None
    latency_ms: int | None = None
    error: str | None = None
    retry_after: timedelta | None = None
    permanent: bool = False  # retrying cannot help (the body is too large)
    not_sent: str | None = None  # an integration makes no request for it, for this reason
    unsent: bool = False  # handed back without an attempt: its claim is simply released

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


@dataclass(frozen=True)
class Claim:
    """What a round may claim: how many in all, how many of them for webhooks that already
    hold some (``busy``), each webhook's room, and what is held (see lanes.py)."""

    count: int
    room: Mapping[int, int]
    held: Collection[int]  # delivery ids
    # Webhooks holding some: their due rows are passed over in a first look, for everyone
    # else's (None: no such look this round).
    holding: Collection[int] | None = None
    busy: int | None = None  # None: as many as ``count``


@dataclass(frozen=True)
class Recorded:
    results: list[str]  # per outcome: delivered, retry, failed, released or ignored
    disabled: set[int]  # webhooks of these outcomes that are disabled now


class DeliveryWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        box: SecretBox,
        outbound: Outbound,
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = POLL_SECONDS,
        inline_rounds: bool = False,
    ) -> None:
        self.sessions = sessions
        # The round's transaction on the event loop's own thread rather than in another:
        # `dialtrail worker` on SQLite, where the database work is this process's own CPU
        # work under the interpreter lock, so a thread only adds lock hand-offs (measured:
        # README, "Benchmarks"); never in `dialtrail serve`, whose loop also serves HTTP.
        self.inline_rounds = inline_rounds
        self.box = box
        self.outbound = outbound
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.sending = asyncio.Semaphore(CONCURRENCY)
        self.lanes = Lanes(most=HOLD)
        self.held: dict[int, Job] = {}  # by delivery id: claimed, not yet recorded
        self.finished: list[Outcome] = []  # sent (or handed back), not yet recorded
        self.ripe = asyncio.Event()  # set when what finished is worth a round
        self.gathering: asyncio.TimerHandle | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.stopping = False
        self.newcomers_looked = -math.inf  # when a round last looked for them (monotonic)
        self.newcomers_due = False  # a commit woke the worker: look for them at once
        self.due_left = True  # the last claim found some: more may be due

    async def run(self, stop: asyncio.Event) -> None:
        woken = asyncio.Event()
        WAKEUP.register(woken)
        try:
            while not stop.is_set():
                self.newcomers_due = self.newcomers_due or woken.is_set()
                woken.clear()
                if not await self.advance_safely():
                    await wait_any([stop, woken, self.ripe], self.poll_seconds)
            try:
                await self.settle(hand_back=True)
            except Exception:  # not recorded: their claims run out, and they are sent again
                logger.exception("webhook worker: the last attempts could not be recorded")
        finally:
            WAKEUP.unregister(woken)

    async def run_once(self) -> int:
        """One round from start to end: claims what is due, sends it, records it. Returns how
        many deliveries it claimed."""
        claimed, _ = await self.advance()
        await self.settle()
        return claimed

    async def advance_safely(self) -> bool:
        """A round; answers whether another may claim more right away."""
        try:
            _, more = await self.advance()
        except Exception:  # a database hiccup must not end deliveries for good
            logger.exception("webhook worker: a round failed; trying again")
            return False
        return more

    async def advance(self, claiming: bool = True) -> tuple[int, bool]:
        """One round of database work: records what finished and claims what is due and has
        room; the claimed deliveries start on their way. Returns how many it claimed, and
        whether more may be due already."""
        self.ripe.clear()
        if self.gathering is not None:
            self.gathering.cancel()
            self.gathering = None
        finished, self.finished = self.finished, []
        # Let go before the round: recorded by it, or lost with it (their claims run out).
        # Until the round commits they are still claimed, so the claim passes them over.
        held = set(self.held)
        for outcome in finished:
            self.let_go(outcome)
        claim = self.claim_now(held) if claiming else Claim(0, {}, held)
        if self.inline_rounds:
            recorded, jobs = self.record_and_claim(finished, claim)
        else:
            recorded, jobs = await asyncio.to_thread(self.record_and_claim, finished, claim)
        for webhook_id in recorded.disabled:
            if webhook_id in self.lanes.lanes:
                self.lanes.lanes[webhook_id].closed = True
        for outcome, result in zip(finished, recorded.results, strict=True):
            metrics.observe(result, outcome.latency_ms)
        for job in jobs:
            self.start(job)
        if claim.count:  # a claim that found nothing: nothing more is due for now
            self.due_left = bool(jobs)
        # Cut short by the batch size alone (not by the lanes or the hold): more may be due.
        # A follow-up round right away only for at least half a batch: a transaction for a
        # handful more costs the loop more than it saves.
        return len(jobs), 0 < claim.count == len(jobs) and len(self.held) <= HOLD - BATCH // 2

    def claim_now(self, held: Collection[int]) -> Claim:
        """What this round may claim. Webhooks already holding some may fill HOLD, and those
        holding nothing RESERVE more; these are looked for first (lanes.py, "Fairness")."""
        count = min(BATCH, HOLD + RESERVE - len(self.held))
        busy = max(0, min(count, HOLD - len(self.held)))
        holding = self.lanes.holding()
        now = time.monotonic()
        if holding and (self.newcomers_due or now - self.newcomers_looked >= NEWCOMERS_SECONDS):
            self.newcomers_due, self.newcomers_looked = False, now
            return Claim(count, self.lanes.room(), held, holding, busy)
        return Claim(busy, self.lanes.room(), held)

    async def settle(self, hand_back: bool = False) -> None:
        """Claims nothing more, lets what is in flight finish (``hand_back``: hands back what
        still waits for its lane) and records it all."""
        self.stopping = hand_back
        try:
            while self.tasks:
                await asyncio.gather(*self.tasks)
            if self.finished:
                await self.advance(claiming=False)
        finally:
            self.stopping = False

    def start(self, job: Job) -> None:
        self.held[job.delivery_id] = job
        self.lanes.took(job.webhook_id)
        task = asyncio.create_task(self.deliver(job))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def let_go(self, outcome: Outcome) -> None:
        self.held.pop(outcome.job.delivery_id, None)
        self.lanes.done(outcome.job.webhook_id, sent=not outcome.unsent)

    async def deliver(self, job: Job) -> None:
        lane = self.lanes.lane(job.webhook_id)
        try:
            async with lane.sending, self.sending:
                if self.stopping or lane.closed or not self.claim_lasts(job):
                    outcome = Outcome(job, self.clock(), None, unsent=True)
                else:
                    outcome = await self.attempt(job)
        except Exception:  # a fault of ours must not keep the lane's place for ever
            logger.exception("webhook worker: delivery %s failed to run", job.delivery_id)
            outcome = Outcome(job, self.clock(), None, unsent=True)
        self.finished.append(outcome)
        if self.worth_a_round():
            self.ripe.set()
        elif self.gathering is None:
            self.gathering = asyncio.get_running_loop().call_later(GATHER_SECONDS, self.ripe.set)

    def worth_a_round(self) -> bool:
        """All that is held finished; or, while more is due, half of it (and enough to share
        a transaction well). At the end of a backlog the last requests are so recorded in one
        round, not one for each halving; what hangs is recorded after GATHER_SECONDS."""
        finished, held = len(self.finished), len(self.held)
        if finished >= held:
            return True
        return self.due_left and 2 * finished >= held and finished >= SMALLEST_ROUND

    def claim_lasts(self, job: Job) -> bool:
        """Whether the claim outlasts the request and its recording."""
        needed = timedelta(seconds=self.outbound.timeout) + RECORD_MARGIN
        return job.claimed_until - self.clock() >= needed

    async def attempt(self, job: Job) -> Outcome:
        now = self.clock()
        try:
            request = request_for(job.spec, job.event, job.occurred_at, job.data, now)
        except BodyTooLarge as error:
            return Outcome(job, now, None, error=str(error), permanent=True)
        except NotSent as reason:
            return Outcome(job, now, None, not_sent=str(reason))
        body_headers = sending_headers(job, request)
        try:
            answer = await self.outbound.send(
                request.method, request.url, {**request.headers, **body_headers}, request.body
            )
        except OutboundRefused as error:
            return Outcome(job, now, request, error=str(error))
        except Exception as error:  # timeout, refused connection, TLS: all retried
            return Outcome(job, now, request, error=describe(error))
        return Outcome(
            job,
            now,
            request,
            status_code=answer.status_code,
            response_body=answer.body,
            latency_ms=answer.latency_ms,
            retry_after=retry.parse_retry_after(answer.headers.get("retry-after"), now),
        )

    def record_and_claim(self, outcomes: list[Outcome], claim: Claim) -> tuple[Recorded, list[Job]]:
        """The round's one transaction. Recording first lets the claim see what it settled: the
        next event of a call just delivered is due in the same round."""
        now = self.clock()
        with self.sessions() as db, db.no_autoflush:
            recorded = self.record(db, outcomes, now)
            db.flush()
            jobs = self.claim(db, claim, now) if claim.count > 0 else []
            db.commit()
        return recorded, jobs

    def record(self, db: Session, outcomes: list[Outcome], now: datetime) -> Recorded:
        # Everything loaded at once, written at once: the commit's flush sends the attempts
        # as one multi-row insert and the deliveries' changes as batched updates.
        deliveries = loaded(db, WebhookDelivery, {o.job.delivery_id for o in outcomes})
        webhooks = loaded(db, Webhook, {o.job.webhook_id for o in outcomes})
        results = [
            record_outcome(
                db,
                outcome,
                now,
                deliveries.get(outcome.job.delivery_id),
                webhooks.get(outcome.job.webhook_id),
            )
            for outcome in outcomes
        ]
        disabled = {webhook.id for webhook in webhooks.values() if not webhook.enabled}
        return Recorded(results, disabled)

    def claim(self, db: Session, claim: Claim, now: datetime) -> list[Job]:
        claimed_until = now + CLAIM_FOR
        room = dict(claim.room)
        # Webhooks holding nothing first, however old the others' due rows (lanes.py).
        ids = claim_newcomers(db, claim, room, now, claimed_until)
        busy = claim.count if claim.busy is None else claim.busy
        for _ in range(2):  # a second look past the rows of webhooks that ran out of room
            wanted = min(busy, claim.count - len(ids))
            if wanted <= 0:
                break
            skipped = [webhook_id for webhook_id, left in room.items() if left == 0]
            pairs = due_deliveries(db, now, wanted, skipped)
            picked = chosen(pairs, room, claim.held)
            mark_claimed(db, picked, claimed_until)
            ids += picked
            busy -= len(picked)
            if len(pairs) < wanted or len(picked) == len(pairs):
                break  # no due row was left behind the limit
        if not ids:
            return []
        deliveries = loaded(db, WebhookDelivery, ids)
        webhooks = loaded(db, Webhook, {delivery.webhook_id for delivery in deliveries.values()})
        projects = loaded(db, Project, {webhook.project_id for webhook in webhooks.values()})
        # Rendering settings and secrets once per webhook, not once per delivery.
        prepared = {
            webhook.id: (
                webhook_spec(webhook, projects[webhook.project_id], self.box),
                signing_secrets(webhook, self.box, now),
            )
            for webhook in webhooks.values()
        }
        return [
            job(delivery, *prepared[delivery.webhook_id], claimed_until)
            for delivery in deliveries.values()
        ]


def claim_newcomers(
    db: Session, claim: Claim, room: dict[int, int], now: datetime, claimed_until: datetime
) -> list[int]:
    """Due deliveries of webhooks that hold nothing, at most PER_WEBHOOK each, up to the whole
    claim; what they take comes off ``room``."""
    if claim.holding is None or not claim.count:
        return []
    pairs = due_deliveries(db, now, claim.count, claim.holding)
    newcomer_room = {webhook_id: min(left, PER_WEBHOOK) for webhook_id, left in room.items()}
    picked = chosen(pairs, newcomer_room, claim.held)
    mark_claimed(db, picked, claimed_until)
    taken = set(picked)
    for webhook_id in (webhook_id for delivery_id, webhook_id in pairs if delivery_id in taken):
        room[webhook_id] = room.get(webhook_id, PER_WEBHOOK) - 1
    return picked


def mark_claimed(db: Session, ids: list[int], claimed_until: datetime) -> None:
    if ids:
        db.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .values(claimed_until=claimed_until)
        )


def due_deliveries_query(postgresql: bool) -> Any:
    """Due deliveries' (id, webhook id), oldest first, of webhooks not in ``skipped``. Built
    once per dialect: every round runs it, with ``now``, ``limit`` and ``skipped``."""
    now: BindParameter[datetime] = bindparam("now")
    earlier = aliased(WebhookDelivery)
    blocked = exists().where(
        earlier.webhook_id == WebhookDelivery.webhook_id,
        earlier.call_id == WebhookDelivery.call_id,
        earlier.id < WebhookDelivery.id,
        earlier.status == "pending",
    )
    query = (
        select(WebhookDelivery.id, WebhookDelivery.webhook_id)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
            Webhook.enabled.is_(True),
            ~blocked,
            # Webhooks holding all they may: their rows would only crowd out the others'.
            WebhookDelivery.webhook_id.not_in(bindparam("skipped", expanding=True)),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(bindparam("limit"))
    )
    if postgresql:
        query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
    return query


DUE_DELIVERIES = {False: due_deliveries_query(False), True: due_deliveries_query(True)}


def due_deliveries(
    db: Session, now: datetime, limit: int, skipped: Collection[int]
) -> list[tuple[int, int]]:
    query = DUE_DELIVERIES[db.get_bind().dialect.name == "postgresql"]
    rows = db.execute(query, {"now": now, "limit": limit, "skipped": list(skipped)})
    return [(row.id, row.webhook_id) for row in rows]


Row = TypeVar("Row", WebhookDelivery, Webhook, Project)


def loaded(db: Session, model: type[Row], ids: Collection[int]) -> dict[int, Row]:
    """Rows by id, in id order, read with one query."""
    query = select(model).where(model.id.in_(ids)).order_by(model.id)
    return {row.id: row for row in db.scalars(query)}


def job(
    delivery: WebhookDelivery, spec: WebhookSpec, signing: list[str], claimed_until: datetime
) -> Job:
    return Job(
        delivery_id=delivery.id,
        webhook_id=delivery.webhook_id,
        message_id=delivery.message_id,
        event=delivery.event,
        occurred_at=delivery.occurred_at,
        data=delivery.data,
        attempts=delivery.attempts,
        spec=spec,
        signing_secrets=signing,
        claimed_until=claimed_until,
    )


def sending_headers(job: Job, request: RenderedRequest) -> dict[str, str]:
    """A webhook's signature headers; an integration's receiver (GA4, Matomo) checks its own
    credentials instead, and is sent none."""
    if job.spec.kind != "webhook":
        return {}
    # The receiver checks webhook-timestamp against its own clock (replay protection), so it
    # is the real time of sending, whatever clock schedules the retries.
    return signed_headers(job.signing_secrets, job.message_id, int(time.time()), request.body)


def webhook_spec(webhook: Webhook, project: Project, box: SecretBox) -> WebhookSpec:
    return WebhookSpec(
        url=webhook.url,
        method=webhook.method,
        format=webhook.format,
        parameters=list(webhook.parameters),
        headers={name: box.open(value) for name, value in webhook.headers.items()},
        date_format=webhook.date_format,
        timezone=project.timezone,
        kind=webhook.kind,
        settings=opened_settings(webhook.kind, webhook.settings or {}, box.open),
    )


def signing_secrets(webhook: Webhook, box: SecretBox, now: datetime) -> list[str]:
    """The current secret, and during a rotation's grace period the previous one too."""
    current = [box.open(webhook.secret)]
    if (
        webhook.previous_secret
        and webhook.previous_secret_until
        and now < webhook.previous_secret_until
    ):
        current.append(box.open(webhook.previous_secret))
    return current


def record_outcome(
    db: Session,
    outcome: Outcome,
    now: datetime,
    delivery: WebhookDelivery | None,
    webhook: Webhook | None,
) -> str:
    """Records the attempt; returns what became of the delivery: delivered, retry, failed
    (or ignored: deleted or dismissed while the request was out; released: handed back
    unsent)."""
    if delivery is None or webhook is None or delivery.status != "pending":
        return "ignored"
    if outcome.unsent:
        if delivery.claimed_until != outcome.job.claimed_until:
            return "ignored"  # our claim ran out and another worker holds it now: not ours to free
        delivery.claimed_until = None  # due again at once, for this worker or another
        return "released"
    if outcome.not_sent is not None:
        # Set aside with its reason, which the log shows: not a failure of the receiver, so
        # it neither counts towards disabling the integration nor waits for a retry.
        delivery.claimed_until = None
        delivery.last_error = f"Not sent: {outcome.not_sent}"
        finish(delivery, "dismissed", now)
        return "not_sent"
    db.add(attempt_row(outcome))
    delivery.attempts += 1
    delivery.claimed_until = None
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.succeeded:
        finish(delivery, "delivered", now)
        webhook.failing_since = None
        return "delivered"
    if outcome.gone:
        finish(delivery, "failed", now)
        disable(webhook, f"the receiver answered 410 Gone at {now:%Y-%m-%d %H:%M} UTC")
        return "failed"
    retry_after = outcome.retry_after
    retry_at = None if outcome.permanent else retry.after_failure(delivery, now, retry_after)
    note_failure(webhook, now)
    if retry_at is None:
        finish(delivery, "failed", now)
        return "failed"
    delivery.next_attempt_at = retry_at
    return "retry"


def attempt_row(outcome: Outcome) -> WebhookAttempt:
    request = outcome.request
    return WebhookAttempt(
        delivery_id=outcome.job.delivery_id,
        attempted_at=outcome.attempted_at,
        request_method=request.method if request else outcome.job.spec.method,
        request_url=request.logged_url if request else outcome.job.spec.url,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        response_body=outcome.response_body,
        error=outcome.error,
    )


def finish(delivery: WebhookDelivery, status: str, now: datetime) -> None:
    delivery.status = status
    delivery.finished_at = now
    delivery.next_attempt_at = None


def note_failure(webhook: Webhook, now: datetime) -> None:
    """docs/design.md §6: a webhook failing continuously for 5 days is disabled and flagged."""
    if webhook.failing_since is None:
        webhook.failing_since = now
    elif now - webhook.failing_since >= retry.DISABLE_AFTER:
        disable(webhook, f"every delivery failed since {webhook.failing_since:%Y-%m-%d %H:%M} UTC")


def disable(webhook: Webhook, reason: str) -> None:
    webhook.enabled = False
    webhook.disabled_reason = reason


def describe(error: Exception) -> str:
    """For the attempt log: a failed exchange in words, then the raw exception on a line of
    its own (admin templates show that line as a detail)."""
    if isinstance(error, OutboundFailed):
        return str(error)[:2000]
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:2000]


async def wait_any(events: list[asyncio.Event], timeout: float) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def build_worker(
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: Callable[[], datetime] = utcnow,
    inline_rounds: bool = False,
) -> DeliveryWorker:
    outbound = Outbound(allow_private=settings.webhook_allow_private)
    box = SecretBox(secret_key(settings))
    return DeliveryWorker(sessions, box, outbound, clock, inline_rounds=inline_rounds)


@asynccontextmanager
async def running(worker: DeliveryWorker) -> AsyncIterator[None]:
    """Runs the worker in the background while the block runs; stops it cleanly after."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task
        await worker.outbound.close()
