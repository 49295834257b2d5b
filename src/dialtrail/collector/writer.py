"""Group commit for the collector: one writer thread, many requests per transaction.

Each request's writes run as a job on the writer thread, in one transaction shared with
whatever other requests arrived meanwhile; one commit (one fsync) then makes the whole batch
durable, and only then is each request answered. On SQLite this also removes lock contention:
there is exactly one writer.

A job refuses a request (an ``ApiError``: unknown key, foreign origin) before it writes
anything, so a refusal leaves the shared transaction clean. Any other failure is unexpected:
the batch is rolled back and every job runs again alone, in a transaction of its own, so one
bad request costs its batch a retry, never its neighbours' data. A failed commit answers each
request with the error: nothing unwritten is ever acknowledged.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from dialtrail.api.errors import ApiError

Job = Callable[[Session], Any]
MAX_BATCH = 256


@dataclass
class Pending:
    job: Job
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop

    def resolve(self, outcome: Any) -> None:
        self.loop.call_soon_threadsafe(self.settle, outcome)

    def settle(self, outcome: Any) -> None:
        if self.future.done():  # the client went away; its data is written all the same
            return
        if isinstance(outcome, BaseException):
            self.future.set_exception(outcome)
        else:
            self.future.set_result(outcome)


class GroupWriter:
    def __init__(self, sessions: sessionmaker[Session], max_batch: int = MAX_BATCH) -> None:
        self.sessions = sessions
        self.max_batch = max_batch
        self.jobs: queue.SimpleQueue[Pending] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.starting = threading.Lock()

    async def run(self, job: Job) -> Any:
        """Runs ``job`` on the writer thread; returns once its transaction is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self.start()
        self.jobs.put(Pending(job, future, loop))
        return await future

    def start(self) -> None:
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
            outcomes = self.together(batch)
        except Exception:  # an unexpected failure: find whose, without losing the others
            outcomes = [self.alone(pending) for pending in batch]
        for pending, outcome in zip(batch, outcomes, strict=True):
            pending.resolve(outcome)

    def together(self, batch: list[Pending]) -> list[Any]:
        with self.sessions() as db:
            outcomes = [refused_or_done(db, pending.job) for pending in batch]
            db.commit()
        return outcomes

    def alone(self, pending: Pending) -> Any:
        try:
            with self.sessions() as db:
                outcome = refused_or_done(db, pending.job)
                db.commit()
        except Exception as error:  # this request's own failure (or its commit's)
            return error
        return outcome


def refused_or_done(db: Session, job: Job) -> Any:
    try:
        return job(db)
    except ApiError as refusal:  # raised before the job wrote anything
        return refusal
