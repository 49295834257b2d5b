"""Group commit for the collector: one writer thread, many requests per transaction.

Each request's writes run as a job on the writer thread, inside a savepoint of a transaction
shared with whatever other requests arrived meanwhile; one commit (one fsync) then makes the
whole batch durable, and only then is each request answered. A job that fails rolls back its
own savepoint and answers its own error; a failed commit answers every request of the batch
with the error, so nothing unwritten is ever acknowledged. On SQLite this also removes lock
contention: there is exactly one writer.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

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
        outcomes: list[Any]
        try:
            with self.sessions() as db:
                outcomes = [attempt(db, pending.job) for pending in batch]
                db.commit()
        except Exception as error:  # the commit failed: none of the batch is durable
            outcomes = [error] * len(batch)
        for pending, outcome in zip(batch, outcomes, strict=True):
            pending.resolve(outcome)


def attempt(db: Session, job: Job) -> Any:
    savepoint = db.begin_nested()
    try:
        result = job(db)
    except Exception as error:  # this request's own failure; the batch carries on
        savepoint.rollback()
        return error
    savepoint.commit()
    return result
