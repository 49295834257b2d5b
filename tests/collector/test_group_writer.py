"""The group-commit writer: many requests per transaction, each failing on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError
from dialtrail.collector.writer import GroupWriter
from dialtrail.projects.models import Project
from dialtrail.sessions.models import Visitor
from tests.support.collector import client_id
from tests.support.databases import Database

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def project_id(database: Database) -> int:
    with database.session() as session:
        project = Project(name="Writer", public_key=client_id())
        session.add(project)
        session.commit()
        return project.id


def add_visitor(project: int) -> Any:
    def job(db: Session) -> str:
        key = client_id()
        db.add(Visitor(project_id=project, key=key, first_seen_at=NOW, last_seen_at=NOW))
        db.flush()
        return key

    return job


def refuse(db: Session) -> None:
    db.add(Visitor(project_id=-1, key="x" * 20, first_seen_at=NOW, last_seen_at=NOW))
    db.flush()  # a foreign-key violation, after a write: the savepoint must undo it
    raise AssertionError("unreachable")


def count_visitors(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Visitor)) or 0


def test_a_failing_job_fails_alone(database: Database) -> None:
    writer = GroupWriter(database.sessions)
    project = project_id(database)

    async def scenario() -> list[Any]:
        jobs = [add_visitor(project), refuse, add_visitor(project), not_found]
        return await asyncio.gather(*(writer.run(job) for job in jobs), return_exceptions=True)

    first, failed, third, refused = run_loop(scenario)

    assert isinstance(first, str)
    assert isinstance(third, str)
    assert isinstance(failed, Exception)
    assert isinstance(refused, ApiError)
    assert refused.status == 404
    assert count_visitors(database) == 2


def run_loop(scenario: Callable[[], Coroutine[Any, Any, list[Any]]]) -> list[Any]:
    # A loop of its own, on a thread of its own: Playwright's sync API (browser tests in the
    # same run) keeps an event loop on the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result()


def not_found(db: Session) -> None:
    raise ApiError(404, "unknown_project", "no project has this key")


def test_concurrent_jobs_share_commits(database: Database) -> None:
    jobs = 200
    writer = GroupWriter(database.sessions)
    project = project_id(database)
    commits: list[object] = []

    def count_commit(connection: object) -> None:
        commits.append(connection)

    async def scenario() -> list[Any]:
        return await asyncio.gather(*(writer.run(add_visitor(project)) for _ in range(jobs)))

    event.listen(database.engine, "commit", count_commit)
    try:
        keys = run_loop(scenario)
    finally:
        event.remove(database.engine, "commit", count_commit)
    assert len(set(keys)) == jobs
    assert count_visitors(database) == jobs
    assert len(commits) < jobs / 2


def test_plans_are_written_together_or_each_job_runs_alone(database: Database) -> None:
    project = project_id(database)
    batches: list[int] = []

    def write_plans(db: Session, outcomes: list[Any]) -> list[Any]:
        batches.append(len(outcomes))
        if len(batches) == 1:
            raise RuntimeError("the set-based write failed")
        return [job(db) if callable(job) else job for job in outcomes]

    writer = GroupWriter(database.sessions, write_plans=write_plans)

    async def scenario() -> list[Any]:
        # Each job plans: it returns the write it wants done with its batch's.
        runs = [writer.run(lambda db: add_visitor(project), alone=add_visitor(project))]
        return await asyncio.gather(*runs)

    (first,) = run_loop(scenario)  # the batch's write fails: the job runs alone
    (second,) = run_loop(scenario)  # written with its batch
    assert isinstance(first, str)
    assert isinstance(second, str)
    assert batches == [1, 1]
    assert count_visitors(database) == 2
