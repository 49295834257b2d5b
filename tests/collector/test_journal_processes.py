"""The journal across real processes (docs/design.md §3): `kill -9` of `dialtrail serve` in the
middle of a stream of page views, and of a separate `dialtrail deriver` in the middle of its
work; afterwards every acknowledged page view is derived exactly once."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select

from dialtrail.collector import store
from dialtrail.collector.deriver import BATCH_ROWS
from dialtrail.collector.jobs import Accepted, Jobs
from dialtrail.collector.models import DeriverProgress, JournalEvent
from dialtrail.collector.payloads import PageViewEvent
from dialtrail.sessions.models import EntityObservation, PageView
from tests.support.collector import Visit, client_id
from tests.support.databases import TEST_SECRET_KEY, Database
from tests.support.processes import DIALTRAIL, database_url, serve_process
from tests.support.waiting import wait_for

HOME = "https://shop.example.com/"


class Stream:
    """Page views of new visits, sent from several threads until told to stop; remembers
    which were acknowledged (2xx)."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url, self.key = base_url, key
        self.acknowledged: set[str] = set()  # page-view ids
        self.values: set[str] = set()  # each page view's entity value: its session's id
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def send_until_stopped(self) -> None:
        while not self.stopping.is_set():
            visit = Visit(self.base_url, self.key)
            try:
                answer = visit.page(HOME, {"visit_id": visit.session})
            except httpx.TransportError:
                return  # the server is gone
            if answer.is_success:
                with self.lock:
                    self.acknowledged.add(visit.page_view)
                    self.values.add(visit.session)

    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def derived_page_views(database: Database) -> list[str]:
    with database.sessions() as db:
        return list(db.scalars(select(PageView.key)))


def observations(database: Database) -> list[str]:
    with database.sessions() as db:
        return [value or "" for value in db.scalars(select(EntityObservation.value))]


def fully_derived(database: Database) -> bool:
    with database.sessions() as db:
        newest = db.scalar(select(func.max(JournalEvent.id))) or 0
        through = db.scalar(select(DeriverProgress.derived_through)) or 0
    return newest > 0 and through >= newest


def environment(database: Database, **extra: str) -> dict[str, str]:
    return {"DIALTRAIL_DATABASE_URL": database_url(database), **extra}


def test_serve_killed_mid_stream_loses_no_acknowledged_page_view(
    database: Database, visit: Visit
) -> None:
    with serve_process(environment(database)) as (process, base_url):
        stream = Stream(base_url, visit.key)
        with ThreadPoolExecutor(8) as senders:
            for _ in range(8):
                senders.submit(stream.send_until_stopped)
            wait_for(lambda: stream.count() >= 200, "200 acknowledged page views", timeout=60)
            process.send_signal(signal.SIGKILL)  # mid-stream: requests are in flight
            process.wait(timeout=10)
            stream.stopping.set()
    acknowledged = stream.acknowledged

    with serve_process(environment(database)):  # its deriver resumes where the last stopped
        wait_for(lambda: fully_derived(database), "the journal derived", timeout=60)

    derived = derived_page_views(database)
    assert len(derived) == len(set(derived))  # none twice
    assert acknowledged <= set(derived)  # none lost
    values = observations(database)
    assert len(values) == len(set(values)) == len(derived)  # one value each, none twice
    assert stream.values <= set(values)


def start_deriver(database: Database) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [DIALTRAIL, "deriver"],
        env={**os.environ, **environment(database, DIALTRAIL_SECRET_KEY=TEST_SECRET_KEY)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def derived_through(database: Database) -> int:
    """Read without waiting for SQLite's write lock (the test's sessions begin IMMEDIATE, and
    would only get in once the deriver had finished every batch)."""
    if database.backend == "sqlite":
        path = database.engine.url.database
        assert path is not None
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as reader:
            found = reader.execute("SELECT derived_through FROM collector_deriver").fetchone()
            return int(found[0]) if found else 0
    with database.sessions() as db:
        return db.scalar(select(DeriverProgress.derived_through)) or 0


def accepted_page_views(database: Database, key: str, count: int) -> set[str]:
    """``count`` page views of new visits, accepted as the collector accepts them (answered,
    appended to the journal, committed), 500 to a transaction; their entity values."""
    jobs = Jobs()
    values: set[str] = set()
    with database.sessions() as db:
        project = store.load_project(db, key)
    assert project is not None
    client = store.Client("203.0.113.9", "pytest")
    for _ in range(0, count, 500):
        batch = []
        for _ in range(500):
            visitor, session, page_view = client_id(), client_id(), client_id()
            event = PageViewEvent(
                visitor=visitor,
                session=session,
                page_view=page_view,
                url=HOME,
                values={"visit_id": session},
            )
            batch.append(Accepted(project, event, client, datetime.now(UTC)))
            values.add(session)
        with database.sessions() as db:
            jobs.write_plans(db, batch)
            db.commit()
    return values


def test_a_deriver_killed_mid_work_derives_each_event_once(
    database: Database, visit: Visit
) -> None:
    # More than two of the deriver's batches, nothing derived yet.
    values = accepted_page_views(database, visit.key, 3 * BATCH_ROWS)
    assert derived_page_views(database) == []

    first = start_deriver(database)
    try:
        wait_for(lambda: derived_through(database) > 0, "the first batch", timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    assert not fully_derived(database)  # killed with work left
    second = start_deriver(database)
    try:
        wait_for(lambda: fully_derived(database), "the rest derived", timeout=120)
    finally:
        second.terminate()
        output, _ = second.communicate(timeout=20)
    assert second.returncode == 0, output  # SIGTERM stops it cleanly

    assert len(derived_page_views(database)) == len(values)  # each once, none lost
    assert sorted(observations(database)) == sorted(values)
