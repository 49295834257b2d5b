"""What a collector request does on the writer thread (writer.py): check the project, answer
(the page view's number: from memory, or a lease taken now), and append the event to the
journal, with its batch or alone (docs/design.md §3). Nothing else is written here: the
deriver (deriver.py) records sessions, page views, values and renewals from the journal.

Refusals (unknown key 404, foreign origin 403) are raised before anything of the request is
written, so the batch's shared transaction holds none of its data; a foreign origin leaves
only a note of the refusal (its host and time, at most once a minute per project, in a row
of its own) for the Installation page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError
from dialtrail.collector import batch, journal, origins, sources, store
from dialtrail.collector.answers import NO_CONTENT, Answer, page_view_answer
from dialtrail.collector.memory import Key, Known, Memory, trusted
from dialtrail.collector.payloads import ErrorsEvent, PageViewEvent, PingEvent, redacted
from dialtrail.numbers import leasing
from dialtrail.numbers.gate import ANYONE, LeaseGate, Requester

# How long a project's key, domains and entities are reused without reading them again. A
# changed entity reaches the collector within this time (browsers cache the script longer).
PROJECT_CACHE_SECONDS = 2.0
REFUSAL_NOTE_SECONDS = 60.0


class RequestContext:
    def __init__(
        self, public_key: str, host: str | None, client: store.Client, now: datetime
    ) -> None:
        self.public_key = public_key
        self.host = host
        self.client = client
        self.now = now


@dataclass(frozen=True)
class Accepted:
    """A checked event, answered and appended to the journal with its batch (write_plans)."""

    project: store.ProjectContext
    event: PageViewEvent | PingEvent | ErrorsEvent
    client: store.Client
    now: datetime

    @property
    def session_key(self) -> Key:
        return (self.project.id, self.event.session)

    def observed(self) -> batch.Observed:
        ip = sources.truncate_ip(self.client.ip)
        return batch.Observed(self.project, self.event, ip, self.client.user_agent, self.now)


class Jobs:
    """The writer thread's half of the collector (the only user of its project cache and its
    memory of sessions)."""

    def __init__(
        self,
        gate: LeaseGate = ANYONE,
        wake: Callable[[], None] = lambda: None,
        privacy_secret: bytes = b"",
    ) -> None:
        self.projects = ProjectCache(gate=gate, privacy_secret=privacy_secret)
        gate.warm()
        self.refusals = RefusalNotes()
        self.memory = Memory()
        self.lessons: list[tuple[Key, Known]] = []  # of the transaction under way
        self.wake = wake  # the deriver, after a commit

    def plan(self, db: Session, event: BaseModel, context: RequestContext) -> Accepted:
        """Checked; answered and appended with the batch's other events (write_plans)."""
        assert isinstance(event, PageViewEvent | PingEvent | ErrorsEvent)
        project = self.checked_project(db, context)
        return Accepted(project, redacted(event, project.policy), context.client, context.now)

    def write_alone(self, db: Session, event: BaseModel, context: RequestContext) -> Any:
        """Alone (the writer's fallback after a failure): the same path, a batch of one."""
        outcome: Any = self.write_plans(db, [self.plan(db, event, context)])[0]
        return outcome

    def checked_project(self, db: Session, context: RequestContext) -> store.ProjectContext:
        project = self.projects.get(db, context.public_key)
        if project is None:
            raise ApiError(404, "unknown_project", "no project has this key")
        if not origins.host_allowed(context.host, project.domains):
            if self.refusals.due(context.public_key):
                store.note_refusal(db, project.id, context.host, context.now)
            raise ApiError(403, "origin_not_allowed", origin_refusal(context.host))
        return project

    def write_plans(self, db: Session, outcomes: list[Any]) -> list[Any]:
        """Answers every accepted event of the batch, then appends those answered with a 2xx
        to the journal, in arrival order."""
        self.lessons = []  # a failed transaction's lessons are forgotten with it
        accepted = [outcome for outcome in outcomes if isinstance(outcome, Accepted)]
        if not accepted:
            return outcomes
        connection = db.connection()
        answers = Answering(self, connection, accepted).answers()
        journal.append(
            connection,
            [
                journal_row(item)
                for item, answer in zip(accepted, answers, strict=True)
                if not isinstance(answer, ApiError)
            ],
        )
        found = iter(answers)
        return [next(found) if isinstance(outcome, Accepted) else outcome for outcome in outcomes]

    def committed(self) -> None:
        for key, known in self.lessons:
            self.memory.learn(key, known)
        self.lessons = []
        self.wake()


def journal_row(item: Accepted) -> dict[str, Any]:
    seen = item.observed()
    return journal.row(seen.project.id, seen.event, seen.ip, seen.user_agent, seen.now)


class Answering:
    """The answers of one batch: most from memory; leases and unknown pings' sessions with a
    few statements for the whole batch."""

    def __init__(self, jobs: Jobs, connection: Connection, accepted: list[Accepted]) -> None:
        self.jobs = jobs
        self.memory = jobs.memory
        self.connection = connection
        self.accepted = accepted
        self.answers_by_position: list[Answer | ApiError | None] = [None] * len(accepted)
        self.started: set[Key] = set()  # sessions whose page view is earlier in the batch

    def answers(self) -> list[Answer | ApiError]:
        needing_lease: list[int] = []
        pings_to_check: list[int] = []
        for position, item in enumerate(self.accepted):
            if isinstance(item.event, PageViewEvent):
                if self.from_memory(position, item) is None:
                    needing_lease.append(position)
                self.started.add(item.session_key)
            elif isinstance(item.event, PingEvent):
                if not self.ping_known(position, item):
                    pings_to_check.append(position)
            else:
                self.answers_by_position[position] = NO_CONTENT
        self.lease(needing_lease)
        self.check_pings(pings_to_check)
        answers = [answer for answer in self.answers_by_position if answer is not None]
        assert len(answers) == len(self.accepted)
        return answers

    def from_memory(self, position: int, item: Accepted) -> Answer | None:
        """The page view's answer without a statement, when memory has it."""
        pool = item.project.pool
        if pool is None:
            self.teach(item.session_key, Known(None))
            answer = page_view_answer(None)
        else:
            number = self.memory.number(item.session_key, item.now)
            if number is None:
                return None
            answer = page_view_answer(number)
        self.answers_by_position[position] = answer
        return answer

    def ping_known(self, position: int, item: Accepted) -> bool:
        """A ping of a session this process knows (or whose page view is earlier in the
        batch) is answered at once; its lease, when memory no longer trusts it, is renewed
        now."""
        key = item.session_key
        if key not in self.started and not self.memory.knows(key):
            return False
        pool = item.project.pool
        session_id = self.memory.session_id(key)
        trusted_lease = self.memory.number(key, item.now) is not None
        if pool is not None and session_id is not None and not trusted_lease:
            self.renew(item, pool, session_id)
        self.answers_by_position[position] = NO_CONTENT
        return True

    def renew(self, item: Accepted, pool: leasing.PoolSettings, session_id: int) -> None:
        number = leasing.renew_live_lease(self.connection, pool, session_id, item.now)
        if number is not None:
            self.teach_lease(item, session_id, number)

    def lease(self, positions: list[int]) -> None:
        """Page views whose session has no lease this process trusts: the session is recorded
        now (a lease needs its row); the sessions started just now get their numbers together,
        per project (they cannot hold a lease yet); the others ask one by one, in arrival
        order."""
        if not positions:
            return
        items = [self.accepted[position] for position in positions]
        driver = store.driver_statements(self.connection)
        sessions = batch.ensure_sessions(self.connection, driver, [i.observed() for i in items])
        asking: dict[int, list[tuple[int, Accepted]]] = {}  # by project
        others: list[tuple[int, Accepted]] = []
        for position, item in zip(positions, items, strict=True):
            key = item.session_key
            if key in sessions.started:
                sessions.started.discard(key)  # its next page view renews what this one gets
                asking.setdefault(item.project.id, []).append((position, item))
            else:
                others.append((position, item))
        for project_asking in asking.values():
            self.lease_new_sessions(project_asking, sessions.ids)
        for position, item in others:
            self.lease_one(position, item, sessions.ids[item.session_key])

    def lease_new_sessions(
        self, asking: list[tuple[int, Accepted]], sessions: dict[Key, int]
    ) -> None:
        pool = asking[0][1].project.pool
        assert pool is not None  # a project without a pool is answered from_memory
        asks = [
            leasing.Ask(sessions[item.session_key], requester(item), item.now) for _, item in asking
        ]
        for (position, item), ask, shown in zip(
            asking, asks, leasing.numbers_for_new_sessions(self.connection, pool, asks), strict=True
        ):
            self.answer_shown(position, item, ask.session_id, shown)

    def lease_one(self, position: int, item: Accepted, session_id: int) -> None:
        """Memory had no lease for it (from_memory), and learns only after the commit: the
        session's lease, if any, is in the database (an earlier page view of this batch may
        have taken it just now: it is renewed)."""
        pool = item.project.pool
        assert pool is not None
        shown = leasing.number_for_page_view(
            self.connection, pool, session_id, item.now, requester(item)
        )
        self.answer_shown(position, item, session_id, shown)

    def answer_shown(
        self, position: int, item: Accepted, session_id: int, shown: leasing.Shown
    ) -> None:
        if shown.leased and shown.number is not None:
            self.teach_lease(item, session_id, shown.number)
        else:
            self.teach(item.session_key, Known(session_id))
        self.answers_by_position[position] = page_view_answer(shown.number)

    def check_pings(self, positions: list[int]) -> None:
        """Pings of sessions this process does not know: recorded, or still in the journal
        (its page view accepted a moment ago, maybe by another process), or 404."""
        if not positions:
            return
        wanted = {self.accepted[position].session_key for position in positions}
        sessions = batch.find_sessions(self.connection, wanted)
        for position in positions:
            item = self.accepted[position]
            key = item.session_key
            session_id = sessions.get(key)
            if session_id is not None:
                self.teach(key, Known(session_id))
                if item.project.pool is not None:
                    self.renew(item, item.project.pool, session_id)
            elif journal.has_pending_page_view(self.connection, *key):
                self.teach(key, Known(None))
            else:
                self.answers_by_position[position] = unknown_session()
                continue
            self.answers_by_position[position] = NO_CONTENT

    def teach(self, key: Key, known: Known) -> None:
        self.jobs.lessons.append((key, known))

    def teach_lease(self, item: Accepted, session_id: int, number: str) -> None:
        pool = item.project.pool
        assert pool is not None
        self.teach(item.session_key, trusted(session_id, number, item.now, pool.hold))


def requester(item: Accepted) -> Requester:
    return Requester(item.client.ip, item.client.user_agent)


def origin_refusal(host: str | None) -> str:
    if host is None:
        return (
            "the request has no Origin or Referer header, and this project accepts events "
            "only from its domains"
        )
    return f"{host} is not one of this project's domains"


def unknown_session() -> ApiError:
    return ApiError(404, "unknown_session", "no page view of this session was recorded")


class RefusalNotes:
    """When each project's refusals were last written: at most once a minute per project, so
    a site sending from a wrong domain costs the database next to nothing."""

    def __init__(
        self, every: float = REFUSAL_NOTE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every = every
        self.clock = clock
        self.written: dict[str, float] = {}

    def due(self, public_key: str) -> bool:
        """Best effort: a note lost with a batch that fails is written at the next refusal a
        minute later."""
        now = self.clock()
        if now - self.written.get(public_key, -self.every) < self.every:
            return False
        if len(self.written) > 10_000:  # bounded, as the project cache
            self.written.clear()
        self.written[public_key] = now
        return True


class ProjectCache:
    """Projects by public key, read at most every PROJECT_CACHE_SECONDS (unknown keys too)."""

    def __init__(
        self,
        ttl: float = PROJECT_CACHE_SECONDS,
        gate: LeaseGate = ANYONE,
        privacy_secret: bytes = b"",
    ) -> None:
        self.ttl = ttl
        self.gate = gate
        self.privacy_secret = privacy_secret
        self.entries: dict[str, tuple[float, store.ProjectContext | None]] = {}

    def get(self, db: Session, public_key: str) -> store.ProjectContext | None:
        now = time.monotonic()
        cached = self.entries.get(public_key)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        if len(self.entries) > 10_000:  # bounded, even under a flood of made-up keys
            self.entries.clear()
        project = store.load_project(db, public_key, self.gate, self.privacy_secret)
        self.entries[public_key] = (now, project)
        return project
