"""The collector's group writer runs a batch again when PostgreSQL undoes it to break a deadlock
with another transaction (several `serve` processes renewing the same numbers' rows): the
requests are stored together, none is answered 503 and none is run alone."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg.errors
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from dialtrail.collector.writer import TRIES, GroupWriter, lost_a_conflict
from tests.support.databases import Database
from tests.support.loops import run_in_own_loop


def deadlock() -> OperationalError:
    """What SQLAlchemy raises when PostgreSQL picks this transaction as a deadlock's victim."""
    return OperationalError("UPDATE tracking_numbers …", None, psycopg.errors.DeadlockDetected())


class Job:
    """Writes nothing but a query; loses ``conflicts`` deadlocks first; counts its runs."""

    def __init__(self, conflicts: int = 0) -> None:
        self.conflicts = conflicts
        self.runs = 0
        self.alone_runs = 0

    def __call__(self, db: Session) -> str:
        self.runs += 1
        db.execute(text("SELECT 1"))
        if self.runs <= self.conflicts:
            raise deadlock()
        return "stored"

    def alone(self, db: Session) -> str:
        self.alone_runs += 1
        return self(db)


def written(database: Database, jobs: list[Job]) -> list[Any]:
    writer = GroupWriter(database.sessions)

    async def write_all() -> list[Any]:
        return list(
            await asyncio.gather(
                *(writer.run(job, job.alone) for job in jobs), return_exceptions=True
            )
        )

    return run_in_own_loop(write_all)


def test_a_batch_that_lost_a_deadlock_runs_again_together(database: Database) -> None:
    loser, neighbour = Job(conflicts=2), Job()

    outcomes = written(database, [loser, neighbour])

    assert outcomes == ["stored", "stored"]
    assert loser.alone_runs == neighbour.alone_runs == 0
    assert loser.runs == 3


def test_a_conflict_that_keeps_coming_back_is_an_error_not_a_loop(database: Database) -> None:
    stubborn = Job(conflicts=1_000)

    [outcome] = written(database, [stubborn])

    assert isinstance(outcome, OperationalError)
    assert stubborn.runs == TRIES * 2  # together TRIES times, then alone TRIES times


@pytest.mark.parametrize(
    ("error", "conflict"),
    [
        (deadlock(), True),
        (OperationalError("…", None, psycopg.errors.SerializationFailure()), True),
        (OperationalError("…", None, psycopg.errors.UniqueViolation()), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_conflicts_between_transactions_are_tried_again(
    error: BaseException, conflict: bool
) -> None:
    assert lost_a_conflict(error) is conflict
