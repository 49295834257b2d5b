"""Group commit for the collector: one writer thread, many requests per transaction.

Each request's writes run as a job on the writer thread, in one transaction shared with
whatever other requests arrived meanwhile; one commit (one fsync) then makes the whole batch
durable, and only then is each request answered. On SQLite this also removes lock contention:
there is exactly one writer.

A job refuses a request (an ``ApiError``: unknown key, foreign origin) before it writes
any of the request's data, so a refusal leaves none of it in the shared transaction (a
foreign origin may leave a note of the refusal: jobs.RefusalNotes). In a batch, a job may return a
*plan* instead of writing: ``write_plans`` then writes every plan of the batch at once (one
statement per table rather than several per request) and turns each into its outcome.

Any other failure is unexpected: the batch is rolled back and every job runs again alone
(in its ``alone`` form, which writes by itself), in a transaction of its own, so one bad
request costs its batch a retry, never its neighbours' data. A failed commit answers each
request with the error: nothing unwritten is ever acknowledged.

A conflict with another transaction (PostgreSQL's deadlock or serialization failure, SQLSTATE
class 40: several `serve` processes lease from one pool and renew the same numbers' rows) is
not a failure of any request: the batch, or the job alone, simply runs again, a few times.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from dialtrail.api.errors import ApiError

Job = Callable[[Session], Any]
# Given a batch's outcomes in arrival order, writes the plans among them and returns every
# outcome (a plan replaced by its own, anything else unchanged).
WritePlans = Callable[[Session, list[Any]], list[Any]]
MAX_BATCH = 256
# How long the deriver waits behind a busy writer before it takes a short turn anyway (Turns).
PATIENCE = 0.25
TRIES = 4  # of a transaction that lost a conflict with another one


def nothing_planned(db: Session, outcomes: list[Any]) -> list[Any]:
    return outcomes


class Turns:
    """Whose turn it is to write on SQLite, between the collector's writer and the deriver of
    one process. SQLite has one write lock per database, and a transaction that finds it taken
    does not queue: its busy handler sleeps (1, 2, 5 … up to 100 ms) and tries again. Measured
    under load, the writer spent 42 % of its time asleep in ``BEGIN IMMEDIATE`` while the
    deriver's batches held the lock, its requests waiting with it. Here each hands the lock
    on the moment its commit is done, and the writer goes first: the deriver starts a batch
    only when no request waits for the writer, or once it has waited ``patience``; it is then
    told it is ``pressed`` and keeps that batch short. Acceptance comes first; derivation
    runs in the gaps, behind, with a bounded share under saturation (docs/design.md §3).
    PostgreSQL locks rows, not the database: nothing to take turns for (``enabled`` False).
    """

    def __init__(self, enabled: bool = True, patience: float = PATIENCE) -> None:
        self.enabled = enabled
        self.patience = patience
        self.condition = threading.Condition()
        self.held = False
        self.writers_waiting = 0
        self.writer_busy: Callable[[], bool] = lambda: False  # requests queued (GroupWriter)

    @contextlib.contextmanager
    def turn(self, first: bool = True) -> Iterator[bool]:
        """The write lock's turn; ``first``: the writer's. Yields whether the writer wants
        the lock meanwhile (for the deriver: keep the batch short)."""
        if not self.enabled:
            yield False
            return
        with self.condition:
            pressed = self.wait_for_turn() if first else self.wait_behind()
            self.held = True
        try:
            yield pressed
        finally:
            with self.condition:
                self.held = False
                self.condition.notify_all()

    def wait_for_turn(self) -> bool:
        self.writers_waiting += 1
        while self.held:
            self.condition.wait()
        self.writers_waiting -= 1
        return False

    def wait_behind(self) -> bool:
        waited_until = time.monotonic() + self.patience
        while True:
            left = waited_until - time.monotonic()
            if not self.held and (left <= 0 or not self.writer_wants()):
                return self.writer_wants()
            self.condition.wait(timeout=max(left, 0.001) if not self.held else None)

    def writer_wants(self) -> bool:
        return self.writers_waiting > 0 or self.writer_busy()


def turns_for(sessions: sessionmaker[Session]) -> Turns:
    """Turns taken on SQLite only (see Turns)."""
    bind = sessions.kw.get("bind")
    return Turns(enabled=bind is not None and bind.dialect.name == "sqlite")


@dataclass
class Pending:
    job: Job
    alone: Job
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop

    def settle(self, outcome: Any) -> None:
        if self.future.done():  # the client went away; its data is written all the same
            return
        if isinstance(outcome, BaseException):
            self.future.set_exception(outcome)
        else:
            self.future.set_result(outcome)


class GroupWriter:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        max_batch: int = MAX_BATCH,
        write_plans: WritePlans = nothing_planned,
        committed: Callable[[], None] = lambda: None,
        turns: Turns | None = None,
    ) -> None:
        """``turns``: shared with the deriver of this process (default: the writer's own)."""
        self.sessions = sessions
        self.turns = turns or turns_for(sessions)
        self.write_plans = write_plans
        self.committed = committed  # told after each commit, on the writer thread
        self.max_batch = max_batch
        self.jobs: queue.SimpleQueue[Pending] = queue.SimpleQueue()
        self.turns.writer_busy = lambda: not self.jobs.empty()  # the deriver waits behind
        self.thread: threading.Thread | None = None
        self.starting = threading.Lock()

    async def run(self, job: Job, alone: Job | None = None) -> Any:
        """Runs ``job`` on the writer thread (``alone`` instead, when given, if it must run
        alone); returns once its transaction is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self.start()
        self.jobs.put(Pending(job, alone or job, future, loop))
        return await future

    def start(self) -> None:
        if self.thread is not None:  # started: no lock to take on every request
            return
        with self.starting:
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self.work, name="dialtrail-collector-writer", daemon=True
                )
                self.thread.start()

    def work(self) -> None:
        while True:
            batch = [self.jobs.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self.jobs.get_nowait())
                except queue.Empty:
                    break
            self.write(batch)

    def write(self, batch: list[Pending]) -> None:
        try:
            outcomes = tried(lambda: self.together(batch))
        except Exception:  # an unexpected failure: find whose, without losing the others
            outcomes = [self.alone(pending) for pending in batch]
        resolve(batch, outcomes)

    def together(self, batch: list[Pending]) -> list[Any]:
        with self.turns.turn(), self.sessions() as db:
            outcomes = [refused_or_done(db, pending.job) for pending in batch]
            outcomes = self.write_plans(db, outcomes)
            db.commit()
        self.committed()
        return outcomes

    def alone(self, pending: Pending) -> Any:
        try:
            return tried(lambda: self.by_itself(pending))
        except Exception as error:  # this request's own failure (or its commit's)
            return error

    def by_itself(self, pending: Pending) -> Any:
        with self.turns.turn(), self.sessions() as db:
            outcome = refused_or_done(db, pending.alone)
            db.commit()
        self.committed()
        return outcome


def tried(transaction: Callable[[], Any]) -> Any:
    """Runs ``transaction`` again while it loses a conflict with another one, TRIES times."""
    for attempt in range(1, TRIES + 1):
        try:
            return transaction()
        except Exception as error:
            if attempt == TRIES or not lost_a_conflict(error):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def lost_a_conflict(error: BaseException) -> bool:
    """PostgreSQL chose this transaction to undo a deadlock, or to keep serialisable order."""
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith("40")


def resolve(batch: list[Pending], outcomes: list[Any]) -> None:
    """Hands each outcome to its request: one wake-up of each event loop per batch, not one
    per request (a cross-thread call costs the loop a wake-up and a callback each)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Pending, Any]]] = {}
    for pending, outcome in zip(batch, outcomes, strict=True):
        by_loop.setdefault(pending.loop, []).append((pending, outcome))
    for loop, settled in by_loop.items():
        loop.call_soon_threadsafe(settle_all, settled)


def settle_all(settled: list[tuple[Pending, Any]]) -> None:
    for pending, outcome in settled:
        pending.settle(outcome)


def refused_or_done(db: Session, job: Job) -> Any:
    try:
        return job(db)
    except ApiError as refusal:  # raised before the job wrote anything
        return refusal
