"""The deriver: applies the collector's journal to sessions, page views, values, lease
renewals and entity health, in id order, in batches (docs/design.md §3; batch.py does the
writing).

Each batch is one transaction that claims the progress row (``FOR UPDATE`` on PostgreSQL;
every SQLite write transaction holds the only write lock), derives the rows after
``derived_through`` and moves it past them: progress is committed with the writes, so a
crash resumes where it stopped and no row is derived twice, however many derivers run. One
works at a time; the others wait on the progress row (ARCHITECTURE.md, "The collector's
journal", says how to go past one).

It runs as a thread of ``dialtrail serve`` (unless DIALTRAIL_DERIVER=0), woken by each commit
of the collector, and as ``dialtrail deriver`` on its own. ``catch_up`` derives everything
acknowledged so far inside the caller's transaction: a call's attribution runs it first, so it
sees the visitor's last value even when it was still in the journal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from dialtrail.collector import batch, journal, store
from dialtrail.collector.writer import Turns, tried, turns_for
from dialtrail.numbers.gate import ANYONE, LeaseGate

logger = logging.getLogger(__name__)

BATCH_ROWS = 2_000
PRESSED_ROWS = 100  # a batch while the collector's writer waits (writer.Turns, SQLite)
IDLE_SECONDS = 0.25  # between looks at the journal when nothing woke the deriver
PROJECT_SECONDS = 2.0  # as the collector's project cache: entities, pool settings
FAILURE_PAUSE = 1.0
SKIP_AFTER = 3  # failures of a one-row batch before that row is passed over
PRUNE_SECONDS = 600.0
RETENTION = timedelta(hours=48)


class Projects:
    """Project contexts by id, read again every PROJECT_SECONDS, as the collector's own cache
    (jobs.ProjectCache) is: an entity declared a moment before its first value arrives may
    miss that value, as it always could. A context read more than PROJECT_SECONDS before an
    event arrived (a catch-up, a replay, a deriver that was stopped) is read again first."""

    def __init__(self, gate: LeaseGate = ANYONE, ttl: float = PROJECT_SECONDS) -> None:
        self.gate = gate
        self.ttl = ttl
        self.entries: dict[int, tuple[float, datetime, store.ProjectContext | None]] = {}

    def get(
        self, db: Session, project_id: int, received_at: datetime, now: datetime
    ) -> store.ProjectContext | None:
        ticks = time.monotonic()
        cached = self.entries.get(project_id)
        if cached is not None and ticks - cached[0] < self.ttl:
            loaded_at = cached[1]
            if (received_at - loaded_at).total_seconds() < self.ttl:
                return cached[2]
        if len(self.entries) > 10_000:
            self.entries.clear()
        project = store.load_project_by_id(db, project_id, self.gate)
        self.entries[project_id] = (ticks, max(now, received_at), project)
        return project

    def forget(self) -> None:
        self.entries.clear()


@dataclass
class Step:
    rows: int  # journal rows read (derived, or skipped as unreadable)
    received: list[datetime]  # when each row was accepted


def derive_once(db: Session, projects: Projects, now: datetime, limit: int = BATCH_ROWS) -> Step:
    """Derives up to ``limit`` rows after derived_through, in the caller's transaction."""
    connection = db.connection()
    sql = journal.statements(connection.dialect.name)
    after = claimed(connection)
    rows = connection.execute(sql.after, {"b_after": after, "b_limit": limit}).all()
    if not rows:
        return Step(0, [])
    observed = readable(db, projects, rows, now)
    batch.derive(connection, observed)
    through = rows[-1][0]
    connection.execute(sql.advance, {"b_through": through, "b_at": now})
    return Step(len(rows), [row[-1] for row in rows])


def claimed(connection: Connection) -> int:
    """derived_through, with the progress row locked until the transaction ends (the row is
    made again if it went missing: a database emptied by hand starts from zero)."""
    sql = journal.statements(connection.dialect.name)
    found: int | None = connection.execute(sql.claim).scalar()
    if found is None:
        connection.execute(sql.start)
        found = connection.execute(sql.claim).scalar_one()
    return found


def readable(
    db: Session, projects: Projects, rows: Sequence[Any], now: datetime
) -> list[batch.Observed]:
    """The rows as events of live projects. A row that no longer validates (written by an
    older version) is logged and left in the journal, for a replay after a fix."""
    observed = []
    for row in rows:
        try:
            (entry,) = journal.entries([row])
        except ValidationError as error:
            logger.error("journal row %s cannot be read, not derived: %s", row[0], error)
            continue
        project = projects.get(db, entry.project_id, entry.received_at, now)
        if project is not None:
            observed.append(
                batch.Observed(project, entry.event, entry.ip, entry.user_agent, entry.received_at)
            )
    return observed


def catch_up(db: Session, now: datetime | None = None) -> int:
    """Derives every row acknowledged so far, in the caller's transaction (a call's
    attribution: calls/ingest.py); returns how many rows. A failure to derive (a row the
    deriver cannot apply) is logged and undone, never the caller's failure: the call is
    recorded all the same, with what was derived before."""
    moment = now or datetime.now(UTC)
    total = 0
    try:
        with db.begin_nested():
            while True:
                step = derive_once(db, CATCH_UP_PROJECTS, moment)
                total += step.rows
                if step.rows < BATCH_ROWS:
                    return total
    except Exception:
        logger.exception("catching up with the collector's journal failed; going on without")
        CATCH_UP_PROJECTS.forget()
        return 0


CATCH_UP_PROJECTS = Projects()


def caught_up(db: Session) -> None:
    """For the API's readers of derived data (sessions, entity health): everything
    acknowledged so far is derived and committed first, so a page view just sent is there."""
    catch_up(db)
    db.commit()


def replay(db_factory: sessionmaker[Session], since: datetime, now: datetime) -> int:
    """Derives again the rows received since ``since`` that were derived already (docs/
    collector.md, "Replaying the journal"): what is missing is written, what is there stays.
    Returns how many rows."""
    projects = Projects()
    with db_factory() as db:
        connection = db.connection()
        sql = journal.statements(connection.dialect.name)
        first = connection.execute(sql.first_after_time, {"b_since": since}).scalar()
        through = connection.execute(sql.derived_through).scalar_one()
        db.commit()
    if first is None:
        return 0
    after, total = first - 1, 0
    while after < through:
        with db_factory() as db:
            rows = replay_once(db, projects, after, through, now)
            db.commit()
        if not rows:
            break
        after = rows[-1]
        total += len(rows)
    return total


def replay_once(
    db: Session, projects: Projects, after: int, through: int, now: datetime
) -> list[int]:
    connection: Connection = db.connection()
    sql = journal.statements(connection.dialect.name)
    claimed(connection)  # not beside a deriver's batch
    found = connection.execute(
        sql.between, {"b_after": after, "b_through": through, "b_limit": BATCH_ROWS}
    ).all()
    batch.derive(connection, readable(db, projects, found, now), replaying=True)
    return [row[0] for row in found]


class Deriver:
    """The deriver's loop, on a thread of its own (``start``) or the caller's (``run``)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        gate: LeaseGate = ANYONE,
        observe: Callable[[list[float]], None] = lambda lags: None,
        retention: timedelta = RETENTION,
        turns: Turns | None = None,
    ) -> None:
        """``turns``: shared with the collector's writer in this process (writer.Turns)."""
        self.sessions = sessions
        self.turns = turns or turns_for(sessions)
        self.clock = clock
        self.retention = retention
        self.pruned_at = -PRUNE_SECONDS  # monotonic: prune once soon after start
        self.projects = Projects(gate)
        self.observe = observe
        self.woken = threading.Event()
        self.limit = BATCH_ROWS  # rows a batch, smaller after a failure (``failed``)
        self.failures = 0  # in a row
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def wake(self) -> None:
        self.woken.set()

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, name="dialtrail-deriver", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.woken.set()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def run(self) -> None:
        while not self.stopping.is_set():
            self.woken.clear()
            limit = self.limit
            try:
                rows = self.step()
            except Exception:
                logger.exception("deriving the collector's journal failed; trying again")
                self.failed()
                continue
            self.failures = 0
            self.limit = min(BATCH_ROWS, self.limit * 2)
            if rows < limit:
                self.prune_when_due()
                self.woken.wait(IDLE_SECONDS)

    def failed(self) -> None:
        """After a failure, smaller batches, down to one row: a row that fails alone
        SKIP_AFTER times is passed over (logged with its id; it stays in the journal for a
        replay after a fix) rather than holding up every event after it."""
        self.projects.forget()  # an entity deleted meanwhile, say
        self.failures += 1
        if self.limit > 1:
            self.limit = max(1, self.limit // 10)
        elif self.failures >= SKIP_AFTER:
            self.skip_one()
        self.stopping.wait(FAILURE_PAUSE)

    def skip_one(self) -> None:
        with self.sessions() as db:
            connection = db.connection()
            sql = journal.statements(connection.dialect.name)
            after = claimed(connection)
            found = connection.execute(sql.after, {"b_after": after, "b_limit": 1}).first()
            if found is not None:
                connection.execute(sql.advance, {"b_through": found[0], "b_at": self.clock()})
                logger.error(
                    "journal row %s could not be derived %s times and was passed over; "
                    "derive it with `dialtrail journal replay` after a fix",
                    found[0],
                    SKIP_AFTER,
                )
            db.commit()
        self.failures = 0

    def prune_when_due(self) -> None:
        """The journal keeps derived events for ``retention`` (DIALTRAIL_JOURNAL_RETENTION_HOURS),
        then they go, every PRUNE_SECONDS, when the deriver has nothing to do."""
        if time.monotonic() - self.pruned_at < PRUNE_SECONDS:
            return
        self.pruned_at = time.monotonic()
        try:
            with self.sessions() as db:
                journal.prune(db.connection(), self.clock() - self.retention)
                db.commit()
        except Exception:
            logger.exception("pruning the collector's journal failed; trying again later")

    def step(self) -> int:
        # A batch that lost a conflict with another transaction (PostgreSQL's deadlock
        # detection) runs again, as the collector's do; that is no failure of a row.
        step: Step = tried(self.derive_and_commit)
        derived_at = self.clock()  # committed: the lag runs from acceptance to here
        self.observe([(derived_at - received).total_seconds() for received in step.received])
        return step.rows

    def derive_and_commit(self) -> Step:
        with self.turns.turn(first=False) as pressed, self.sessions() as db:
            # Requests wait for this batch (writer.Turns): a short one.
            limit = min(self.limit, PRESSED_ROWS) if pressed else self.limit
            step = derive_once(db, self.projects, self.clock(), limit)
            db.commit()
        return step
