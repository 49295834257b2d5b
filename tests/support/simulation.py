"""The attribution simulation: synthetic traffic (tests/support/traffic.py) through the real code,
on an injected clock, and every call's attribution held against the session that really made it.

What runs is what runs in production, through its public doors only: each page view and ping
is an HTTP request to the collector's ASGI endpoint (``collector.routes.Collector``, whose
answer carries the session's number), and each call is a ``started`` telephony event handed
to ``calls.ingest.record_event``, which attributes it by docs/design.md §4 rules. The clock
is a variable the simulation moves from one event to the next: a simulated day runs in
seconds, and nothing sleeps.

Each simulated call knows its true session, so its attribution is classified (``classify``):

- ``session`` / ``late``: named its true session;
- ``ambiguous_true`` / ``ambiguous_other``: flagged shared, the true session among the
  candidates or not;
- ``none``: no session named;
- ``silent_session`` / ``silent_late``: a **silent misattribution**, a session named without
  doubt that did not make the call.

The benchmark (benchmarks/attribution.py) sweeps pool sizes and hold times with it; the suite
runs a small fixed-seed simulation (tests/numbers/test_attribution_simulation.py).
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dialtrail.calls.events import TelephonyEvent
from dialtrail.calls.ingest import record_event
from dialtrail.collector.deriver import catch_up
from dialtrail.collector.ratelimit import RateLimiter
from dialtrail.collector.routes import Collector
from dialtrail.numbers.gate import LeaseGate
from dialtrail.numbers.models import TrackingNumber
from dialtrail.numbers.usage import usage_of
from dialtrail.projects.models import Project
from dialtrail.sessions.models import WebSession
from dialtrail.wiring import wire
from tests.support.loops import run_in_own_loop
from tests.support.traffic import PlannedCall, TrafficShape, Visit, visits

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday, midnight UTC
SITE_NUMBER = "+12125550100"
POOL_PREFIX = "+1212555"  # pool numbers +12125551000, +12125551001, …
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
ORIGIN = "https://shop.example.com"
# The server's default lease gate: bots get no number (DIALTRAIL_LEASE_TO_BOTS off).
GATE = LeaseGate(lease_to_bots=False)

OUTCOMES = (
    "session",
    "late",
    "ambiguous_true",
    "ambiguous_other",
    "none",
    "silent_session",
    "silent_late",
)
CORRECT = ("session", "late")
SILENT = ("silent_session", "silent_late")


def classify(attribution: str, named: str | None, candidates: Iterable[str], truth: str) -> str:
    """The outcome of one call: what attribution said (the named session and the other
    candidates, as the simulation's session keys) against the session that made the call."""
    if attribution == "ambiguous":
        return "ambiguous_true" if truth in {named, *candidates} else "ambiguous_other"
    if attribution in ("session", "late"):
        return attribution if named == truth else f"silent_{attribution}"
    return "none"


@dataclass(frozen=True)
class PoolRules:
    """The project's side of a run."""

    pool_size: int
    hold_seconds: int = 300
    late_call_seconds: int = 1800
    on_pool_exhausted: str = "reuse_oldest"


@dataclass(frozen=True)
class CallOutcome:
    timing: str  # during | after | returned | again
    attribution: str
    outcome: str


@dataclass
class Result:
    rules: PoolRules
    calls: list[CallOutcome] = field(default_factory=list)
    recommended_pool_size: int | None = None
    peak_sessions: int = 0
    exhaustions: int = 0
    requests: int = 0

    def counts(self) -> Counter[str]:
        return Counter(call.outcome for call in self.calls)

    def share(self, *outcomes: str) -> float:
        counts = self.counts()
        return sum(counts[outcome] for outcome in outcomes) / max(1, len(self.calls))

    @property
    def correct(self) -> float:
        return self.share(*CORRECT)

    @property
    def first_calls_correct(self) -> float:
        """The share of correct calls among all but the repeat calls from the log (timing
        ``again``), which no lease can attribute: only the caller's number links them to the
        visit, and the rules use it to flag doubt, never to name a session."""
        first = [call for call in self.calls if call.timing != "again"]
        return sum(call.outcome in CORRECT for call in first) / max(1, len(first))

    @property
    def silent(self) -> int:
        counts = self.counts()
        return sum(counts[outcome] for outcome in SILENT)


def session_key(index: int) -> str:
    return f"session-{index:010d}"


def visitor_key(index: int) -> str:
    return f"visitor-{index:010d}"


def caller_number(index: int) -> str:
    return f"+4420{index:08d}"


def pool_numbers(size: int) -> list[str]:
    return [f"{POOL_PREFIX}{1000 + index}" for index in range(size)]


def add_project(sessions: sessionmaker[Session], rules: PoolRules) -> Project:
    """A project with a pool of ``rules.pool_size`` numbers and its hold and late window."""
    with sessions() as db:
        project = Project(
            name=f"Simulated shop ({rules.pool_size} numbers)",
            public_key=f"sim-{secrets.token_hex(12)}",
            site_numbers=[SITE_NUMBER],
            hold_seconds=rules.hold_seconds,
            late_call_seconds=rules.late_call_seconds,
            on_pool_exhausted=rules.on_pool_exhausted,
        )
        db.add(project)
        db.flush()
        numbers = pool_numbers(rules.pool_size)
        db.add_all(TrackingNumber(project_id=project.id, number=n, kind="pool") for n in numbers)
        db.commit()
        db.expunge(project)
        return project


class Clock:
    """The simulated time, moved by the simulation; the collector reads it for every request."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(order=True, frozen=True)
class Step:
    """One thing that happens at a moment: a page view, a ping or a call."""

    at: datetime
    order: int
    kind: str = field(compare=False)  # pageview | ping | call
    visit: Visit = field(compare=False)
    call: PlannedCall | None = field(compare=False, default=None)


def timeline(planned: list[Visit]) -> list[Step]:
    steps: list[Step] = []
    for visit in planned:
        for offset in visit.pages:
            steps.append(
                Step(visit.start + timedelta(seconds=offset), len(steps), "pageview", visit)
            )
        for offset in visit.pings:
            steps.append(Step(visit.start + timedelta(seconds=offset), len(steps), "ping", visit))
        for call in visit.calls:
            steps.append(Step(call.at, len(steps), "call", visit, call))
    return sorted(steps)


class Simulation:
    """One run: one project, one pool, the whole traffic, in simulated time."""

    def __init__(self, sessions: sessionmaker[Session], rules: PoolRules) -> None:
        wire()
        self.sessions = sessions
        self.rules = rules
        self.project = add_project(sessions, rules)
        self.clock = Clock(START)
        limiter = RateLimiter(1e9, 1_000_000_000)
        self.collector = Collector(sessions, limiter, self.clock, GATE, wake=self.derive)
        self.shown: dict[int, str | None] = {}  # session index → the number its page shows
        self.calls_made = 0
        self.result = Result(rules)

    def derive(self) -> None:
        """The deriver, right behind the collector's each commit (in production it runs
        within a second, a moment of simulated time)."""
        with self.sessions() as db:
            catch_up(db, self.clock())
            db.commit()

    def run(self, shape: TrafficShape, seed: int) -> Result:
        return self.replay(visits(shape, START, seed), START + timedelta(hours=shape.hours))

    def replay(self, planned: list[Visit], until: datetime) -> Result:
        """Plays these visits (and their calls) in time order; the pool's usage as of ``until``."""
        # In a loop of its own: a browser test may have left Playwright's in this thread.
        steps = timeline(planned)
        run_in_own_loop(lambda: self.play(steps))
        self.note_usage(until)
        return self.result

    async def play(self, steps: list[Step]) -> None:
        for step in steps:
            self.clock.now = step.at
            if step.kind == "call":
                assert step.call is not None
                self.result.calls.append(self.call(step.call))
            else:
                await self.browse(step.kind, step.visit)

    async def browse(self, kind: str, visit: Visit) -> None:
        body: dict[str, Any] = {
            "visitor": visitor_key(visit.visitor),
            "session": session_key(visit.session),
            "page_view": f"page-{visit.session:010d}-{self.result.requests:08d}",
        }
        if kind == "pageview":
            body["url"] = f"{ORIGIN}/"
            body["new_session"] = visit.session not in self.shown
        status, answer = await self.post(kind, body, visit)
        self.result.requests += 1
        if kind == "pageview" and status == 200:
            self.shown[visit.session] = json.loads(answer).get("number")
        elif kind == "pageview":
            raise AssertionError(f"page view answered {status}: {answer!r}")

    async def post(self, kind: str, body: dict[str, Any], visit: Visit) -> tuple[int, bytes]:
        """One request to the collector's ASGI endpoint, as a browser sends it."""
        content = json.dumps(body).encode()
        agent = CRAWLER if visit.kind == "bot" else BROWSER
        scope = {
            "type": "http",
            "method": "POST",
            "path": f"/c/{self.project.public_key}/{kind}",
            "headers": [
                (b"origin", ORIGIN.encode()),
                (b"user-agent", agent.encode()),
                (b"content-length", str(len(content)).encode()),
            ],
            "client": (f"198.51.{visit.visitor // 250 % 250}.{visit.visitor % 250}", 50000),
        }
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": content, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await self.collector(scope, receive, send)
        status = next(m["status"] for m in sent if m["type"] == "http.response.start")
        answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return status, answer

    def call(self, planned: PlannedCall) -> CallOutcome:
        """A ``started`` event of a call to the number the true session's page showed."""
        self.calls_made += 1
        dialled = self.shown.get(planned.shown_by) or SITE_NUMBER
        event = TelephonyEvent(
            provider="api",
            project_id=self.project.id,
            external_id=f"sim-call-{self.calls_made}",
            event="started",
            caller=caller_number(planned.caller),
            called=dialled,
            at=planned.at,
        )
        with self.sessions() as db:
            project = db.get(Project, self.project.id)
            assert project is not None
            call = record_event(db, project, event, planned.at).call
            db.commit()
            named, candidates = keys_of(db, call.session_id, call.candidate_session_ids)
        truth = session_key(planned.true_session)
        outcome = classify(call.attribution, named, candidates, truth)
        return CallOutcome(planned.timing, call.attribution, outcome)

    def note_usage(self, now: datetime) -> None:
        """The pool's usage as the Numbers page reads it: observed peak, recommendation."""
        with self.sessions() as db:
            project = db.get(Project, self.project.id)
            assert project is not None
            hours = int((now - START).total_seconds() // 3600) + 1
            usage = usage_of(db, project, now, hours)
        self.result.recommended_pool_size = usage.recommended_pool_size
        self.result.peak_sessions = usage.peak_sessions
        self.result.exhaustions = usage.exhaustions


def keys_of(db: Session, named: int | None, candidates: list[int]) -> tuple[str | None, list[str]]:
    """The simulation's keys of the sessions a call names."""
    wanted = [named, *candidates] if named is not None else list(candidates)
    rows = (
        dict(
            db.execute(select(WebSession.id, WebSession.key).where(WebSession.id.in_(wanted))).all()
        )
        if wanted
        else {}
    )
    return (rows.get(named) if named is not None else None), [rows[c] for c in candidates]
