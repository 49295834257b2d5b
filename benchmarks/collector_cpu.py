"""The collector's own CPU per page view, without HTTP: its writer's half (answer, lease, journal
row, commit: ``collector.jobs.Jobs.write_plans``) and its deriver's (``deriver.derive_once``),
run in this process on a scratch database, against the database floor measured in the same run
(collector_floor.py: the same rows written with nothing else).

Page views of new visitors arrive in batches of 64 as the writer groups them, four per session,
a session's pages in different batches (so later pages are answered from the writer's memory of
the lease, as in a server); every 8 batches the deriver derives what the journal holds. The
project has the benchmark's three entities and a pool of 2,000 numbers (every session leases
one). Only this process's CPU is counted, plus PostgreSQL's backends on PostgreSQL.

Premises, checked: every page view is derived (page views in the table == sent), every session
holds its lease, and the floor wrote its rows. ``--profile writer|deriver`` prints the 40
costliest functions of that half instead.

This is the second method for collector.py's CPU figures: no HTTP server, no load generator
sharing the two cores, so a change in the collector's own work shows even on a busy machine.
Another checkout is measured with PYTHONPATH (benchmarks/README.md, "Measuring another
version").
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import collector_floor
from harness import scratch
from harness.usage import CpuMeter
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dialtrail.collector import deriver, jobs, store
from dialtrail.collector.payloads import PageViewEvent
from dialtrail.numbers.models import NumberLease, TrackingNumber
from dialtrail.sessions.models import PageView
from dialtrail.storage import engine as storage_engine

BATCH = 64
PAGES = 4  # per session
SESSIONS_AT_ONCE = 256  # sessions whose pages interleave
DERIVE_EVERY = 8  # batches
POOL = 2_000
URL = "https://shop.example.com/?utm_source=newsletter&utm_medium=email"
CLIENT = store.Client("203.0.113.9", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari")


@dataclass
class Halves:
    writer: float = 0.0  # CPU seconds
    deriver: float = 0.0
    writer_database: float = 0.0  # PostgreSQL's backends while each half ran
    deriver_database: float = 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--page-views", type=int, default=8_000)
    parser.add_argument("--profile", choices=("writer", "deriver"))
    arguments = parser.parse_args()
    with scratch.database(arguments.database) as database:
        measure(database, arguments.page_views, arguments.profile)


def measure(database: scratch.Scratch, count: int, profile: str | None) -> None:
    prepared = scratch.prepare_project(database.url)
    engine = scratch.engine_for(database.url)
    factory = storage_engine.create_session_factory(engine)
    with factory() as db:
        db.add_all(
            TrackingNumber(project_id=prepared.project_id, number=f"+3804411{n:05d}", kind="pool")
            for n in range(POOL)
        )
        db.commit()
        project = store.load_project(db, prepared.public_key)
    assert project is not None, "the project exists"
    assert project.pool is not None, "the project has its pool"
    marker = f" {database.name} " if database.backend == "postgresql" else None
    meter = CpuMeter(0, marker)
    profiler = cProfile.Profile() if profile else None
    events = arrivals(count)
    halves = Halves()
    backends_before = meter.database_cpu()
    run(factory, project, events, halves, profiler, profile, meter.database_cpu)
    backends = meter.database_cpu() - backends_before
    with factory() as db:
        derived = db.scalar(select(func.count()).select_from(PageView))
        leases = db.scalar(select(func.count()).select_from(NumberLease))
    engine.dispose()
    sessions = len(events) // PAGES
    if derived != len(events) or leases != sessions:
        raise SystemExit(
            f"premise failed: {derived} page views derived of {len(events)} sent, "
            f"{leases} leases for {sessions} sessions"
        )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return
    floor = collector_floor.measure(database.url, marker)
    if floor.page_views <= 0:
        raise SystemExit("premise failed: the floor wrote no rows")
    per = 1e6 / len(events)
    writer, deriver_cpu, database_cpu = halves.writer * per, halves.deriver * per, backends * per
    total = writer + deriver_cpu + database_cpu
    print(f"{database.backend}: {len(events):,} page views of {sessions:,} sessions, all derived")
    print(f"  writer (answer, lease, journal, commit)  {writer:7.0f} µs per page view")
    print(f"  deriver                                  {deriver_cpu:7.0f} µs per page view")
    if database.backend == "postgresql":
        print(
            f"  PostgreSQL backends                      {database_cpu:7.0f} µs per page view "
            f"(writer's {halves.writer_database * per:.0f}, "
            f"deriver's {halves.deriver_database * per:.0f})"
        )
    print(f"  total                                    {total:7.0f} µs per page view")
    print(
        f"  database floor of the rows               {floor.cpu_us_per_page_view:7.0f} µs "
        f"per page view; total / floor = {total / floor.cpu_us_per_page_view:.1f}"
    )


def arrivals(count: int) -> list[PageViewEvent]:
    """New sessions' page views, a session's pages in different batches."""
    sessions = [
        [page_view(visitor, session) for _ in range(PAGES)]
        for visitor, session in ((new_id(), new_id()) for _ in range(count // PAGES))
    ]
    ordered = []
    for start in range(0, len(sessions), SESSIONS_AT_ONCE):
        group = sessions[start : start + SESSIONS_AT_ONCE]
        for page in range(PAGES):
            ordered += [pages[page] for pages in group]
    return ordered


def run(
    factory: sessionmaker[Session],
    project: store.ProjectContext,
    events: list[PageViewEvent],
    halves: Halves,
    profiler: cProfile.Profile | None,
    profile: str | None,
    database_cpu: Callable[[], float],
) -> None:
    collector = jobs.Jobs()
    projects = deriver.Projects()  # kept across batches, as the server's deriver keeps it
    now = datetime.now(UTC)
    batches = [events[start : start + BATCH] for start in range(0, len(events), BATCH)]
    for number, part in enumerate(batches):
        at = now + timedelta(milliseconds=number)

        def write(part: list[PageViewEvent] = part, at: datetime = at) -> None:
            with factory() as db:
                collector.write_plans(db, [jobs.Accepted(project, e, CLIENT, at) for e in part])
                db.commit()
            collector.committed()

        backends = database_cpu()
        halves.writer += timed(write, profiler if profile == "writer" else None)
        halves.writer_database += database_cpu() - backends
        if number % DERIVE_EVERY == DERIVE_EVERY - 1 or number == len(batches) - 1:

            def derive(at: datetime = at) -> None:
                while True:
                    with factory() as db:
                        step = deriver.derive_once(db, projects, at)
                        db.commit()
                    if step.rows == 0:
                        return

            backends = database_cpu()
            halves.deriver += timed(derive, profiler if profile == "deriver" else None)
            halves.deriver_database += database_cpu() - backends


def timed(work: Callable[[], None], profiler: cProfile.Profile | None) -> float:
    start = time.process_time()
    if profiler is not None:
        profiler.enable()
    work()
    if profiler is not None:
        profiler.disable()
    return time.process_time() - start


def page_view(visitor: str, session: str) -> PageViewEvent:
    values: dict[str, str | None] = {
        "visit_id": new_id()[:16],
        "cart": new_id()[:11],
        "user": new_id()[:14],
    }
    return PageViewEvent(
        visitor=visitor,
        session=session,
        page_view=new_id(),
        url=URL,
        title="Shop - home",
        ga="GA1.1.123456789.1700000000",
        values=values,
    )


def new_id() -> str:
    return secrets.token_urlsafe(16)


if __name__ == "__main__":
    main()
