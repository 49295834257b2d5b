"""Leasing pool numbers to web sessions (DESIGN §4), inside the collector's transaction.

A page view asks for the session's number: a live lease is renewed; otherwise expired leases of
the project are closed and the least recently released free number is leased. Two requests
racing for one free number are settled by the unique partial index on open exclusive leases
(``INSERT … ON CONFLICT DO NOTHING``): the loser moves on to the next free number, so two
sessions never share a number while another is free, across any number of server processes.
When none is free, the project's ``on_pool_exhausted`` policy applies.

Statements are built once per dialect and run with parameters only (the collector is the hot
path); a project without pool numbers never reaches this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, case, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from dialtrail.numbers.models import NumberLease, PoolUsage, TrackingNumber
from dialtrail.storage.base import Base

# Free numbers read per attempt: a lost race usually costs one candidate, not a new query.
CANDIDATES = 8
ATTEMPTS = 4


@dataclass(frozen=True)
class PoolSettings:
    """What leasing needs to know of a project (cached by the collector)."""

    project_id: int
    hold_seconds: int
    on_pool_exhausted: str  # reuse_oldest | default_number
    default_number: str | None

    @property
    def hold(self) -> timedelta:
        return timedelta(seconds=self.hold_seconds)


@dataclass(frozen=True)
class Lease:
    number: str
    shared: bool


def number_for_page_view(
    connection: Connection, pool: PoolSettings, session_id: int, now: datetime
) -> str | None:
    """The number the session's pages show (E.164); None leaves the site's numbers as they
    are."""
    lease = renew(connection, pool, session_id, now) or new_lease(connection, pool, session_id, now)
    if lease is not None:
        return lease.number
    return pool.default_number  # policy default_number, pool exhausted: not tracked


def renew(
    connection: Connection, pool: PoolSettings, session_id: int, now: datetime
) -> Lease | None:
    """Renews the session's live lease; None when it has none (or it has expired)."""
    sql = statements_for(connection.dialect.name)
    found = connection.execute(sql.live_lease, {"b_session": session_id, "b_now": now}).first()
    if found is None:
        return None
    lease_id, number, shared = found
    connection.execute(sql.renew, [renewal(lease_id, pool, now)])
    return Lease(number, shared)


def renew_all(connection: Connection, renewals: list[tuple[PoolSettings, int, datetime]]) -> None:
    """Pings: renews the live leases of these sessions (pool, session id, time of the ping),
    one statement for all."""
    if not renewals:
        return
    sql = statements_for(connection.dialect.name)
    rows = [
        {"b_session": session_id, "b_now": now, "b_expires": now + pool.hold}
        for pool, session_id, now in renewals
    ]
    connection.execute(sql.renew_by_session, rows)


def renewal(lease_id: int, pool: PoolSettings, now: datetime) -> dict[str, Any]:
    return {"b_lease": lease_id, "b_now": now, "b_expires": now + pool.hold}


def new_lease(
    connection: Connection, pool: PoolSettings, session_id: int, now: datetime
) -> Lease | None:
    sql = statements_for(connection.dialect.name)
    close_expired(connection, pool.project_id, now)
    lease = take_free_number(connection, pool, session_id, now)
    exhausted = lease is None
    if exhausted and pool.on_pool_exhausted == "reuse_oldest":
        lease = share_oldest(connection, pool, session_id, now)
    record_usage(connection, sql, pool.project_id, now, exhausted=exhausted)
    return lease


def close_expired(connection: Connection, project_id: int, now: datetime) -> None:
    """Leases past their expiry end at their expiry time; their numbers become free, with
    ``last_released_at`` set for the least-recently-released order."""
    sql = statements_for(connection.dialect.name)
    closed = connection.execute(sql.close_expired, {"b_project": project_id, "b_now": now})
    released = [{"b_number": number_id, "b_at": at} for number_id, at in closed]
    if released:
        connection.execute(sql.mark_released, released)


def take_free_number(
    connection: Connection, pool: PoolSettings, session_id: int, now: datetime
) -> Lease | None:
    sql = statements_for(connection.dialect.name)
    for _ in range(ATTEMPTS):
        candidates = connection.execute(
            sql.free_numbers, {"b_project": pool.project_id, "b_session": session_id}
        ).all()
        if not candidates:
            return None
        for number_id, number in candidates:
            row = lease_row(pool, number_id, session_id, now, shared=False)
            if connection.execute(sql.insert_lease, row).first() is not None:
                return Lease(number, shared=False)
            # Lost the number to another request; or this session got a lease meanwhile.
            mine = renew(connection, pool, session_id, now)
            if mine is not None:
                return mine
    return None


def share_oldest(
    connection: Connection, pool: PoolSettings, session_id: int, now: datetime
) -> Lease | None:
    """Policy reuse_oldest: the least recently active live lease's number is shared; both
    sessions become candidates for a call to it."""
    sql = statements_for(connection.dialect.name)
    oldest = connection.execute(sql.oldest_live, {"b_project": pool.project_id}).first()
    if oldest is None:
        return None  # no pool number at all (removed meanwhile)
    number_id, number = oldest
    row = lease_row(pool, number_id, session_id, now, shared=True)
    if connection.execute(sql.insert_lease, row).first() is None:
        return renew(connection, pool, session_id, now)  # this session got one meanwhile
    return Lease(number, shared=True)


def lease_row(
    pool: PoolSettings, number_id: int, session_id: int, now: datetime, *, shared: bool
) -> dict[str, Any]:
    return {
        "project_id": pool.project_id,
        "number_id": number_id,
        "session_id": session_id,
        "shared": shared,
        "started_at": now,
        "renewed_at": now,
        "expires_at": now + pool.hold,
        "released_at": None,
    }


def record_usage(
    connection: Connection, sql: Statements, project_id: int, now: datetime, *, exhausted: bool
) -> None:
    """The hour's peak of concurrently leased sessions, pool size and exhaustions."""
    leased, size = connection.execute(sql.pool_state, {"b_project": project_id}).one()
    hour = now.replace(minute=0, second=0, microsecond=0)
    row = {
        "project_id": project_id,
        "hour": hour,
        "peak_sessions": leased,
        "pool_size": size,
        "exhaustions": 1 if exhausted else 0,
    }
    connection.execute(sql.upsert_usage, row)


class Statements:
    def __init__(self, dialect: str) -> None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        greatest = func.greatest if dialect == "postgresql" else func.max
        numbers, leases, usage = table(TrackingNumber), table(NumberLease), table(PoolUsage)
        open_lease = leases.c.released_at.is_(None)
        self.live_lease = (
            select(leases.c.id, numbers.c.number, leases.c.shared)
            .join(numbers, numbers.c.id == leases.c.number_id)
            .where(
                leases.c.session_id == bindparam("b_session"),
                open_lease,
                leases.c.expires_at > bindparam("b_now"),
            )
        )
        renewed: dict[str, Any] = {
            "renewed_at": bindparam("b_now"),
            "expires_at": bindparam("b_expires"),
        }
        self.renew = update(leases).where(leases.c.id == bindparam("b_lease")).values(renewed)
        self.renew_by_session = (
            update(leases)
            .where(
                leases.c.session_id == bindparam("b_session"),
                open_lease,
                leases.c.expires_at > bindparam("b_now"),
            )
            .values(renewed)
        )
        self.close_expired = (
            update(leases)
            .where(
                leases.c.project_id == bindparam("b_project"),
                open_lease,
                leases.c.expires_at <= bindparam("b_now"),
            )
            .values(released_at=leases.c.expires_at)
            .returning(leases.c.number_id, leases.c.expires_at)
        )
        self.mark_released = (
            update(numbers)
            .where(numbers.c.id == bindparam("b_number"))
            .values(
                last_released_at=case(
                    (numbers.c.last_released_at.is_(None), bindparam("b_at")),
                    else_=greatest(numbers.c.last_released_at, bindparam("b_at")),
                )
            )
        )
        self.free_numbers = self.build_free_numbers(numbers, leases)
        self.insert_lease = insert(leases).on_conflict_do_nothing().returning(leases.c.id)
        self.oldest_live = (
            select(numbers.c.id, numbers.c.number)
            .join(leases, numbers.c.id == leases.c.number_id)
            .where(leases.c.project_id == bindparam("b_project"), open_lease)
            .order_by(leases.c.renewed_at, leases.c.id)
            .limit(1)
        )
        self.pool_state = select(
            select(func.count())
            .where(leases.c.project_id == bindparam("b_project"), open_lease)
            .scalar_subquery(),
            select(func.count())
            .where(
                numbers.c.project_id == bindparam("b_project"),
                numbers.c.kind == "pool",
                numbers.c.removed_at.is_(None),
            )
            .scalar_subquery(),
        )
        upsert = insert(usage)
        self.upsert_usage = upsert.on_conflict_do_update(
            index_elements=["project_id", "hour"],
            set_={
                "peak_sessions": greatest(usage.c.peak_sessions, upsert.excluded.peak_sessions),
                "pool_size": upsert.excluded.pool_size,
                "exhaustions": usage.c.exhaustions + upsert.excluded.exhaustions,
            },
        )

    @staticmethod
    def build_free_numbers(numbers: Table, leases: Table) -> Any:
        """Free pool numbers, least recently released first (never released before all);
        the session's own previous number first of all, so a returning visitor whose lease
        lapsed sees the same number again."""
        previous = (
            select(leases.c.number_id)
            .where(leases.c.session_id == bindparam("b_session"))
            .order_by(leases.c.started_at.desc())
            .limit(1)
            .scalar_subquery()
        )
        leased = exists().where(leases.c.number_id == numbers.c.id, leases.c.released_at.is_(None))
        return (
            select(numbers.c.id, numbers.c.number)
            .where(
                numbers.c.project_id == bindparam("b_project"),
                numbers.c.kind == "pool",
                numbers.c.removed_at.is_(None),
                ~leased,
            )
            .order_by(
                case((numbers.c.id == previous, 0), else_=1),
                numbers.c.last_released_at.is_not(None),
                numbers.c.last_released_at,
                numbers.c.id,
            )
            .limit(CANDIDATES)
        )


def table(model: type[Base]) -> Table:
    found = model.__table__
    assert isinstance(found, Table)
    return found


@cache
def statements_for(dialect: str) -> Statements:
    return Statements(dialect)
