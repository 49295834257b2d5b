"""A number pool for the collector benchmark, and the open leases of a steady state, written
straight into the scratch database.

At a steady rate of r new sessions a second, a hold of h seconds keeps about r * h leases open:
with the default 300 s hold, 10 open leases are one new session every 30 s, 10,000 are 33 a
second. Reaching that by load would take the hold time at a rate a closed-loop generator does
not keep to, so the leases are written directly: spread over the last 300 s of activity, held
through the run, on the pool's numbers (one each while the pool lasts, then shared in turn, as
``reuse_oldest`` shares them), with the numbers' own counts (``leased_until``,
``open_leases``) set to match, as leasing keeps them.

The project's own hold is then set to 0 s: each lease the run gives out ends at once and the
next new session closes it. So the open leases stay at the seeded level while the generator
offers far more than r new sessions a second, and each page view both closes a lease and takes
one, as in the steady state. ``premise`` checks afterwards that the seeded leases were there,
open, all along, and whether the run's leases were exclusive (a pool sized for the load) or
shared (an exhausted pool).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update

from dialtrail.numbers.models import NumberLease, TrackingNumber
from dialtrail.projects.models import Project
from dialtrail.sessions.models import Visitor, WebSession
from harness import scratch

# Whether the numbers keep their own counts: a version before them can be measured too
# (benchmarks/README.md, "Measuring another version").
COUNTED = hasattr(TrackingNumber, "open_leases")
HOLD = timedelta(seconds=300)  # the hold the seeded steady state stands for
HELD_THROUGH_THE_RUN = timedelta(hours=2)
CHUNK = 2_000

# The numbers' own counts, as leasing keeps them (numbers/leasing.py), from the leases.
RECOUNT = """
UPDATE tracking_numbers SET
  open_leases = (
    SELECT count(*) FROM number_leases
    WHERE number_leases.number_id = tracking_numbers.id AND released_at IS NULL
  ),
  leased_until = COALESCE(
    (
      SELECT max(expires_at) FROM number_leases
      WHERE number_leases.number_id = tracking_numbers.id AND released_at IS NULL
    ),
    leased_until
  )
WHERE project_id = :project
"""


@dataclass(frozen=True)
class Seeded:
    project_id: int
    pool: int
    open_leases: int
    at: datetime  # when the seed was written: the run's leases start after it


def seed(url: str, project_id: int, pool: int, open_leases: int, run_hold: int = 0) -> Seeded:
    """``run_hold``: the project's hold during the run (0: each run lease ends at once, see
    above; the hold of a real site, when sessions come back for more pages)."""
    now = datetime.now(UTC)
    engine = scratch.engine_for(url)
    try:
        with engine.begin() as connection:
            numbers = add_numbers(connection, project_id, pool)
            sessions = add_sessions(connection, project_id, open_leases, now)
            add_leases(connection, project_id, numbers, sessions, now)
            if COUNTED:
                connection.execute(text(RECOUNT), {"project": project_id})
            run_leases_end_at_once = update(Project).where(Project.id == project_id)
            connection.execute(run_leases_end_at_once.values(hold_seconds=run_hold))
    finally:
        engine.dispose()
    return Seeded(project_id, pool, open_leases, datetime.now(UTC))


def add_numbers(connection: Connection, project_id: int, pool: int) -> list[int]:
    rows = [
        {"project_id": project_id, "number": f"+1555{project_id:03d}{index:04d}", "kind": "pool"}
        for index in range(pool)
    ]
    inserted = connection.execute(insert(TrackingNumber).returning(TrackingNumber.id), rows)
    return list(inserted.scalars())


def add_sessions(connection: Connection, project_id: int, count: int, now: datetime) -> list[int]:
    ids: list[int] = []
    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        visitors = [
            {"project_id": project_id, "key": key(), "first_seen_at": now, "last_seen_at": now}
            for _ in range(size)
        ]
        visitor_ids = connection.execute(insert(Visitor).returning(Visitor.id), visitors)
        sessions = [
            {
                "project_id": project_id,
                "visitor_id": visitor_id,
                "key": key(),
                "started_at": now - HOLD,
                "last_activity_at": now,
            }
            for visitor_id in visitor_ids.scalars()
        ]
        inserted = connection.execute(insert(WebSession).returning(WebSession.id), sessions)
        ids.extend(inserted.scalars())
    return ids


def add_leases(
    connection: Connection, project_id: int, numbers: list[int], sessions: list[int], now: datetime
) -> None:
    """Lease i is on number i mod pool (shared once every number has one), last active
    between 0 and 300 s ago."""
    rows: list[dict[str, Any]] = []
    for index, session_id in enumerate(sessions):
        active = now - HOLD * (index / max(1, len(sessions)))
        rows.append(
            {
                "project_id": project_id,
                "number_id": numbers[index % len(numbers)],
                "session_id": session_id,
                "shared": index >= len(numbers),
                "started_at": active - timedelta(seconds=60),
                "renewed_at": active,
                "expires_at": now + HELD_THROUGH_THE_RUN,
                "released_at": None,
            }
        )
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(NumberLease), rows[start : start + CHUNK])


def key() -> str:
    return secrets.token_urlsafe(16)


def premise(url: str, seeded: Seeded) -> dict[str, Any]:
    """After the run: were the seeded leases open all along, do the numbers' counts match the
    leases, and were the run's own leases exclusive or shared?"""
    engine = scratch.engine_for(url)
    try:
        with engine.connect() as connection:
            figures = premise_figures(connection, seeded)
    finally:
        engine.dispose()
    counted = figures["counted_by_numbers"]
    figures["passed"] = figures["seeded_still_open"] == seeded.open_leases and counted in (
        None,
        figures["open_leases"],
    )
    return figures


def premise_figures(connection: Connection, seeded: Seeded) -> dict[str, Any]:
    leases = NumberLease.__table__
    mine = leases.c.project_id == seeded.project_id
    still_open = leases.c.released_at.is_(None)
    before, after = leases.c.started_at < seeded.at, leases.c.started_at >= seeded.at
    count = select(func.count()).select_from(leases)
    counted = select(func.coalesce(func.sum(text("open_leases")), 0)).where(
        TrackingNumber.project_id == seeded.project_id
    )
    return {
        "pool": seeded.pool,
        "seeded": seeded.open_leases,
        "seeded_still_open": connection.scalar(count.where(mine, before, still_open)),
        "open_leases": connection.scalar(count.where(mine, still_open)),
        "counted_by_numbers": connection.scalar(counted) if COUNTED else None,
        "run_leases_exclusive": connection.scalar(count.where(mine, after, ~leases.c.shared)),
        "run_leases_shared": connection.scalar(count.where(mine, after, leases.c.shared)),
    }
