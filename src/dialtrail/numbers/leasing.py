"""Leasing pool numbers to web sessions (docs/design.md §4), inside the collector's transaction.

A page view asks for the session's number: its latest lease, while it lives, is renewed (unless
another server process closed it meanwhile).
Otherwise the project's expired leases are closed and a number is taken from the front of the
pool's order (``ix_tracking_numbers_pool_order``, by ``leased_until``): the least recently
released free number; when none is free, the least recently active number, which the policy
``reuse_oldest`` shares. Sharing moves that number to the back of the order, so the next new
session shares the next one: an exhausted pool spreads its sessions over all its numbers in
turn instead of piling them onto one.

Two requests racing for one free number are settled by the unique partial index on open
exclusive leases (``INSERT … ON CONFLICT DO NOTHING``): the loser moves on to the next free
number, so two sessions never share a number while another is free, across any number of
server processes.

Cost: every statement is an index look-up or an index range (tests/numbers/test_lease_plans.py
reads the plans on both databases); nothing counts or sorts the open leases. A number keeps its
own ``leased_until`` and ``open_leases`` up to date as its leases start, renew and close, and
the pool's usage sums ``open_leases`` over the pool's numbers. Statements are built once per
dialect and run with parameters only; a project without pool numbers never reaches this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    bindparam,
    case,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import BindParameter

from dialtrail.numbers.gate import ANYONE, BOT, CROWDED_NETWORK, LeaseGate, Requester
from dialtrail.numbers.models import IN_POOL, NumberLease, PoolUsage, TrackingNumber
from dialtrail.storage.base import Base, UTCDateTime

# Numbers read from the front of the pool's order per attempt: a lost race usually costs one
# candidate, not a new query.
CANDIDATES = 8
ATTEMPTS = 4
# A renewal moves its number's leased_until only when it would pass it, and then this much
# further: a number shared by many sessions is written every few seconds rather than on every
# page view and ping (fewer writes, fewer row locks for other server processes to wait on).
# The number is still free on time: closing its last open lease makes leased_until exact.
RENEWAL_PADDING = timedelta(seconds=5)


@dataclass(frozen=True)
class PoolSettings:
    """What leasing needs to know of a project (cached by the collector)."""

    project_id: int
    hold_seconds: int
    on_pool_exhausted: str  # reuse_oldest | default_number
    default_number: str | None
    gate: LeaseGate = ANYONE  # the server's rules on bots and crowded networks

    @property
    def hold(self) -> timedelta:
        return timedelta(seconds=self.hold_seconds)


@dataclass(frozen=True)
class Lease:
    number: str
    shared: bool


@dataclass(frozen=True)
class LatestLease:
    """A session's most recent lease, live or over."""

    id: int
    number_id: int
    number: str
    shared: bool
    released_at: datetime | None
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        return self.released_at is None and self.expires_at > now


@dataclass(frozen=True)
class PoolNumber:
    id: int
    number: str
    leased_until: datetime

    def free(self, now: datetime) -> bool:
        return self.leased_until <= now


@dataclass(frozen=True)
class Shown:
    """What a page view shows: a number (E.164; None leaves the site's numbers as they are),
    and whether it is the session's live lease, renewed or taken just now."""

    number: str | None
    leased: bool


def number_for_page_view(
    connection: Connection,
    pool: PoolSettings,
    session_id: int,
    now: datetime,
    requester: Requester | None = None,
) -> Shown:
    """The number the session's pages show. ``requester``: who asks, for the gate's rules
    (None: nobody is refused)."""
    latest = latest_lease(connection, session_id)
    if latest is not None and latest.live(now) and renew(connection, pool, latest, now):
        return Shown(latest.number, leased=True)
    refused, network = admission(connection, pool, requester, now)
    if refused is not None:
        record_usage(connection, pool.project_id, now, Tally.refusal(refused))
        return Shown(pool.default_number, leased=False)  # a bot, or a crowded network
    previous = latest.number_id if latest is not None else None
    lease = new_lease(connection, pool, session_id, now, previous, network)
    if lease is not None:
        return Shown(lease.number, leased=True)
    return Shown(pool.default_number, leased=False)  # policy default_number, pool exhausted


@dataclass(frozen=True)
class Ask:
    """The first page view of a session started in the caller's transaction, asking for a
    number at ``now``."""

    session_id: int
    requester: Requester | None
    now: datetime


def numbers_for_new_sessions(
    connection: Connection, pool: PoolSettings, asks: Sequence[Ask]
) -> list[Shown]:
    """The numbers of sessions the caller's transaction has just started, in order: the rules
    of ``number_for_page_view`` for sessions that cannot hold a lease yet, with the statements
    every new lease would repeat run once for all of them (expired leases closed once, one
    read of the pool's front, one insert of all the leases, one count of them, the usage
    once). A session whose free number another process took meanwhile asks again the
    one-by-one way of ``take_number``."""
    if not asks:
        return []
    if pool.gate.per_network:
        # The cap counts the network's leases before each new one: one by one.
        return [
            number_for_page_view(connection, pool, ask.session_id, ask.now, ask.requester)
            for ask in asks
        ]
    shown: list[Shown | None] = [None] * len(asks)
    admitted: list[tuple[int, Ask]] = []
    tally = Tally()
    for position, ask in enumerate(asks):
        if ask.requester is not None and pool.gate.refuses_bot(ask.requester):
            tally.refused_bots += 1
            shown[position] = Shown(pool.default_number, leased=False)
        else:
            admitted.append((position, ask))
    latest = max(ask.now for ask in asks)
    if admitted:
        close_expired(connection, pool.project_id, latest)
        answers = lease_from_front(connection, pool, [ask for _, ask in admitted], latest, tally)
        for position, ask in admitted:
            lease = answers.get(ask.session_id)
            if ask.session_id not in answers:
                lease, exhausted = take_number(
                    connection, pool, Client(ask.session_id), ask.now, None
                )
                tally.exhaustions += exhausted
            number = None if lease is None else lease.number
            shown[position] = Shown(number or pool.default_number, leased=lease is not None)
    record_usage(connection, pool.project_id, latest, tally)
    return [answer for answer in shown if answer is not None]


def lease_from_front(
    connection: Connection, pool: PoolSettings, asks: list[Ask], now: datetime, tally: Tally
) -> dict[int, Lease | None]:
    """One read of the front of the pool's order: its free numbers go to the sessions in turn;
    when they run out, the pool is exhausted (the order puts every free number first) and,
    with reuse_oldest, the rest share the least recently active numbers in turn — those busy
    before, then those just leased — as one by one they would (a lease or a share moves its
    number to the back of the order). All the leases are inserted with one
    statement and counted with another. The answer by session id: its lease, or None for the
    default number (policy default_number); a session missing from it lost its free number to
    another process (the unique index refused it) and asks again one by one."""
    sql = statements_for(connection.dialect.name)
    wanted = {"b_project": pool.project_id, "b_limit": len(asks) + CANDIDATES}
    order = [PoolNumber(*row) for row in connection.execute(sql.pool_order, wanted)]
    free = [number for number in order if number.free(now)]
    busy = [number for number in order if not number.free(now)]
    pairs = list(zip(asks, free, strict=False))
    answers: dict[int, Lease | None] = {}
    rest = asks[len(pairs) :]
    # Least recently active first: the numbers busy before, then those just leased, in turn.
    turns = busy + [number for _, number in pairs]
    if rest and turns:
        tally.exhaustions += len(rest)
        if pool.on_pool_exhausted != "reuse_oldest":
            answers.update((ask.session_id, None) for ask in rest)
        else:
            pairs += [(ask, turns[turn % len(turns)]) for turn, ask in enumerate(rest)]
    if not pairs:
        return answers
    exclusive = len(asks) - len(rest)
    rows = [
        lease_row(pool, number.id, ask.session_id, ask.now, shared=position >= exclusive)
        for position, (ask, number) in enumerate(pairs)
    ]
    granted = {
        session_id: number_id
        for number_id, session_id in connection.execute(sql.insert_leases, rows)
    }
    counted = []
    for (ask, number), row in zip(pairs, rows, strict=True):
        if granted.get(ask.session_id) == number.id:
            counted.append({"b_number": number.id, "b_now": now, "b_expires": row["expires_at"]})
            answers[ask.session_id] = Lease(number.number, shared=row["shared"])
    if counted:
        connection.execute(sql.count_lease, counted)
    return answers


def renew_live_lease(
    connection: Connection, pool: PoolSettings, session_id: int, now: datetime
) -> str | None:
    """A ping: renews the session's live lease now; its number, or None when it has none (a
    ping never takes a new lease)."""
    latest = latest_lease(connection, session_id)
    if latest is not None and latest.live(now) and renew(connection, pool, latest, now):
        return latest.number
    return None


def admission(
    connection: Connection, pool: PoolSettings, requester: Requester | None, now: datetime
) -> tuple[str | None, str | None]:
    """Why the gate refuses a new lease (BOT, CROWDED_NETWORK) or None; and the requester's
    network to keep with the lease."""
    if requester is None:
        return None, None
    if pool.gate.refuses_bot(requester):
        return BOT, None
    network = pool.gate.network_of(requester)
    if network is None:
        return None, None
    sql = statements_for(connection.dialect.name)
    held = {"b_project": pool.project_id, "b_network": network, "b_now": now}
    held["b_cap"] = pool.gate.per_network
    if connection.execute(sql.network_leases, held).scalar_one() >= pool.gate.per_network:
        return CROWDED_NETWORK, network
    return None, network


def latest_lease(connection: Connection, session_id: int) -> LatestLease | None:
    sql = statements_for(connection.dialect.name)
    found = connection.execute(sql.latest_lease, {"b_session": session_id}).first()
    return None if found is None else LatestLease(*found)


def renew(connection: Connection, pool: PoolSettings, lease: LatestLease, now: datetime) -> bool:
    """Extends the lease, unless another server process closed it since it was read (then
    it stays closed, its number is not extended, and the answer is False)."""
    sql = statements_for(connection.dialect.name)
    expires = now + pool.hold
    renewed = connection.execute(
        sql.renew, {"b_lease": lease.id, "b_now": now, "b_expires": expires}
    )
    if renewed.rowcount == 0:
        return False
    connection.execute(sql.extend_number, extension(lease.number_id, expires))
    return True


def extension(number_id: int, expires: datetime) -> dict[str, Any]:
    return {"b_number": number_id, "b_expires": expires, "b_padded": expires + RENEWAL_PADDING}


def new_lease(
    connection: Connection,
    pool: PoolSettings,
    session_id: int,
    now: datetime,
    previous: int | None = None,
    network: str | None = None,
) -> Lease | None:
    """A lease for a session without a live one; ``previous`` is the number it had before,
    ``network`` its client's (numbers/gate.py)."""
    close_expired(connection, pool.project_id, now)
    client = Client(session_id, network)
    lease, exhausted = take_number(connection, pool, client, now, previous)
    record_usage(connection, pool.project_id, now, Tally(exhaustions=int(exhausted)))
    return lease


@dataclass(frozen=True)
class Client:
    """The session a new lease is for, and its network."""

    session_id: int
    network: str | None = None


def close_expired(connection: Connection, project_id: int, now: datetime) -> None:
    """Leases past their expiry end at their expiry time (a range of the open leases' expiry
    index: only the expired ones are read). Their numbers count them off; a number whose last
    lease closed is free from that lease's end, ``last_released_at`` and ``leased_until``."""
    sql = statements_for(connection.dialect.name)
    closed = connection.execute(sql.close_expired, {"b_project": project_id, "b_now": now})
    released = released_rows([(number_id, ended_at) for number_id, ended_at in closed])
    if released:
        connection.execute(sql.mark_released, released)


def released_rows(closed: Sequence[tuple[int, datetime]]) -> list[dict[str, Any]]:
    """One row per number: how many of its leases closed, and the latest end among them."""
    per_number: dict[int, tuple[int, datetime]] = {}
    for number_id, ended_at in closed:
        count, latest = per_number.get(number_id, (0, ended_at))
        per_number[number_id] = (count + 1, max(latest, ended_at))
    return [
        {"b_number": number_id, "b_closed": count, "b_at": latest}
        for number_id, (count, latest) in sorted(per_number.items())  # one lock order
    ]


def take_number(
    connection: Connection,
    pool: PoolSettings,
    client: Client,
    now: datetime,
    previous: int | None,
) -> tuple[Lease | None, bool]:
    """A free number if there is one; else, with reuse_oldest, a share of the least recently
    active number. Answers the lease and whether the pool was exhausted."""
    for _ in range(ATTEMPTS):
        order = pool_order(connection, pool.project_id, now, previous)
        if not order:
            return None, True  # no pool number at all (removed meanwhile)
        free = [number for number in order if number.free(now)]
        if not free:
            return share(connection, pool, client, now, order[0]), True
        for number in free:
            lease = lease_number(connection, pool, client, now, number, shared=False)
            # None: another request took the number first, or gave this session a lease.
            lease = lease or lease_gained_meanwhile(connection, pool, client.session_id, now)
            if lease is not None:
                return lease, False
    return None, True


def pool_order(
    connection: Connection, project_id: int, now: datetime, previous: int | None
) -> list[PoolNumber]:
    """The front of the pool's order; the session's previous number first when it is free,
    so a returning visitor whose lease lapsed sees the same number again."""
    sql = statements_for(connection.dialect.name)
    wanted = {"b_project": project_id, "b_limit": CANDIDATES}
    rows = connection.execute(sql.pool_order, wanted).all()
    order = [PoolNumber(*row) for row in rows]
    if previous is None:
        return order
    row = connection.execute(sql.pool_number, {"b_number": previous}).first()
    if row is None:
        return order
    *columns, is_pool, in_service = row
    mine = PoolNumber(*columns)
    if not (is_pool and in_service and mine.free(now)):
        return order
    return [mine, *(number for number in order if number.id != previous)]


def share(
    connection: Connection, pool: PoolSettings, client: Client, now: datetime, number: PoolNumber
) -> Lease | None:
    """Policy reuse_oldest: the least recently active number is shared; its sessions and the
    new one are all candidates for a call to it."""
    if pool.on_pool_exhausted != "reuse_oldest":
        return None
    lease = lease_number(connection, pool, client, now, number, shared=True)
    return lease or lease_gained_meanwhile(connection, pool, client.session_id, now)


def lease_number(
    connection: Connection,
    pool: PoolSettings,
    client: Client,
    now: datetime,
    number: PoolNumber,
    *,
    shared: bool,
) -> Lease | None:
    """Leases the number to the session; None when a unique index refused the lease."""
    sql = statements_for(connection.dialect.name)
    row = lease_row(pool, number.id, client.session_id, now, shared=shared)
    row["network"] = client.network
    if connection.execute(sql.insert_lease, row).first() is None:
        return None
    counted = {"b_number": number.id, "b_now": now, "b_expires": row["expires_at"]}
    connection.execute(sql.count_lease, counted)
    return Lease(number.number, shared)


def lease_gained_meanwhile(
    connection: Connection, pool: PoolSettings, session_id: int, now: datetime
) -> Lease | None:
    """Another request of the same session (a second tab) may have leased for it meanwhile."""
    latest = latest_lease(connection, session_id)
    if latest is None or not latest.live(now):
        return None
    renew(connection, pool, latest, now)
    return Lease(latest.number, latest.shared)


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
        "network": None,
    }


@dataclass
class Tally:
    """What an hour's usage row adds up: exhaustions and refusals."""

    exhaustions: int = 0
    refused_bots: int = 0
    refused_network: int = 0

    @classmethod
    def refusal(cls, refused: str) -> Tally:
        return cls(
            refused_bots=int(refused == BOT), refused_network=int(refused == CROWDED_NETWORK)
        )


def record_usage(connection: Connection, project_id: int, now: datetime, tally: Tally) -> None:
    """The hour's peak of concurrently leased sessions, pool size, exhaustions and refusals."""
    sql = statements_for(connection.dialect.name)
    leased, size = connection.execute(sql.pool_state, {"b_project": project_id}).one()
    hour = now.replace(minute=0, second=0, microsecond=0)
    row = {
        "project_id": project_id,
        "hour": hour,
        "peak_sessions": leased,
        "pool_size": size,
        "exhaustions": tally.exhaustions,
        "refused_bots": tally.refused_bots,
        "refused_network": tally.refused_network,
    }
    connection.execute(sql.upsert_usage, row)


def at(name: str) -> BindParameter[datetime]:
    """A time parameter: typed, so it is stored as the column's UTC text or timestamp even
    where the expression around it (CASE, GREATEST) gives no column type to infer."""
    return bindparam(name, type_=UTCDateTime())


class Statements:
    def __init__(self, dialect: str) -> None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.greatest = func.greatest if dialect == "postgresql" else func.max
        numbers, leases, usage = table(TrackingNumber), table(NumberLease), table(PoolUsage)
        self.build_lease_statements(numbers, leases)
        self.build_number_statements(numbers, leases)
        self.insert_lease = insert(leases).on_conflict_do_nothing().returning(leases.c.id)
        # Several sessions' leases in one statement (a multi-row VALUES: insertmanyvalues).
        self.insert_leases = (
            insert(leases)
            .on_conflict_do_nothing()
            .returning(leases.c.number_id, leases.c.session_id)
        )
        upsert = insert(usage)
        self.upsert_usage = upsert.on_conflict_do_update(
            index_elements=["project_id", "hour"],
            set_={
                "peak_sessions": self.greatest(
                    usage.c.peak_sessions, upsert.excluded.peak_sessions
                ),
                "pool_size": upsert.excluded.pool_size,
                "exhaustions": usage.c.exhaustions + upsert.excluded.exhaustions,
                "refused_bots": usage.c.refused_bots + upsert.excluded.refused_bots,
                "refused_network": usage.c.refused_network + upsert.excluded.refused_network,
            },
        )

    def build_lease_statements(self, numbers: Table, leases: Table) -> None:
        open_lease = leases.c.released_at.is_(None)
        self.latest_lease = (
            select(
                leases.c.id,
                leases.c.number_id,
                numbers.c.number,
                leases.c.shared,
                leases.c.released_at,
                leases.c.expires_at,
            )
            .join(numbers, numbers.c.id == leases.c.number_id)
            .where(leases.c.session_id == bindparam("b_session"))
            .order_by(leases.c.started_at.desc())
            .limit(1)
        )
        renewed = {"renewed_at": at("b_now"), "expires_at": at("b_expires")}
        # Still open: a lease another process closed since it was read is not brought back.
        self.renew = (
            update(leases).where(leases.c.id == bindparam("b_lease"), open_lease).values(renewed)
        )
        self.live_lease_of_session = (
            leases.c.session_id == bindparam("b_session"),
            open_lease,
            leases.c.expires_at > at("b_now"),
        )
        # Derived renewals (collector/deriver.py) only move a lease forward: a replayed event
        # never shortens it.
        # Rows another transaction holds are skipped (SKIP LOCKED; SQLite has one writer
        # anyway): that is the collector renewing or leasing right now, which moves the lease
        # and its number at least as far, and waiting for it could deadlock.
        renewable = (
            select(leases.c.id)
            .where(*self.live_lease_of_session, leases.c.renewed_at < at("b_now"))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        self.renew_by_session = update(leases).where(leases.c.id == renewable).values(renewed)
        # Counts up to the cap only: a flooding network costs no more than a well-behaved one.
        self.network_leases = select(func.count()).select_from(
            select(leases.c.id)
            .where(
                leases.c.project_id == bindparam("b_project"),
                leases.c.network == bindparam("b_network"),
                open_lease,
                leases.c.expires_at > at("b_now"),
            )
            .limit(bindparam("b_cap"))
            .subquery()
        )
        self.close_expired = (
            update(leases)
            .where(
                leases.c.project_id == bindparam("b_project"),
                open_lease,
                leases.c.expires_at <= at("b_now"),
            )
            .values(released_at=leases.c.expires_at)
            .returning(leases.c.number_id, leases.c.expires_at)
        )

    def build_number_statements(self, numbers: Table, leases: Table) -> None:
        in_pool = text(IN_POOL)  # spelt as the partial index's condition, so both use it
        pool_columns = (numbers.c.id, numbers.c.number, numbers.c.leased_until)
        self.pool_order = (
            select(*pool_columns)
            .where(numbers.c.project_id == bindparam("b_project"), in_pool)
            .order_by(numbers.c.leased_until, numbers.c.id)
            .limit(bindparam("b_limit", type_=Integer()))
        )
        # By its key alone (the planner might walk the pool's index otherwise); whether the
        # number is still in the pool is checked on the row.
        self.pool_number = select(
            *pool_columns, numbers.c.kind == "pool", numbers.c.removed_at.is_(None)
        ).where(numbers.c.id == bindparam("b_number"))
        self.pool_state = select(
            func.coalesce(func.sum(numbers.c.open_leases), 0), func.count()
        ).where(numbers.c.project_id == bindparam("b_project"), in_pool)
        self.count_lease = (
            update(numbers)
            .where(numbers.c.id == bindparam("b_number"))
            .values(
                # A free number's leases are all over: this one is its only lease.
                open_leases=case(
                    (numbers.c.leased_until <= at("b_now"), 1), else_=numbers.c.open_leases + 1
                ),
                leased_until=self.greatest(numbers.c.leased_until, at("b_expires")),
            )
        )
        self.extend_number = self.extended(numbers, numbers.c.id == bindparam("b_number"))
        session_number = (
            select(leases.c.number_id).where(*self.live_lease_of_session).scalar_subquery()
        )
        extendable = (
            select(numbers.c.id)
            .where(numbers.c.id == session_number, numbers.c.leased_until < at("b_expires"))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        self.extend_number_of_session = self.extended(numbers, numbers.c.id == extendable)
        self.mark_released = self.build_mark_released(numbers)

    @staticmethod
    def extended(numbers: Table, which: Any) -> Any:
        return (
            update(numbers)
            .where(which, numbers.c.leased_until < at("b_expires"))
            .values(leased_until=at("b_padded"))
        )

    def build_mark_released(self, numbers: Table) -> Any:
        released = case(
            (numbers.c.last_released_at.is_(None), at("b_at")),
            else_=self.greatest(numbers.c.last_released_at, at("b_at")),
        )
        closed = bindparam("b_closed", type_=Integer())
        still_held = numbers.c.open_leases > closed
        return (
            update(numbers)
            .where(numbers.c.id == bindparam("b_number"))
            .values(
                last_released_at=released,
                open_leases=case((still_held, numbers.c.open_leases - closed), else_=0),
                # The last open lease closed: free from the latest end of its leases.
                leased_until=case((still_held, numbers.c.leased_until), else_=released),
            )
        )

    def hot_path(self) -> dict[str, Any]:
        """The statements a page view or ping may run that read existing rows, for the test
        that reads their query plans."""
        names = (
            "latest_lease",
            "renew",
            "renew_by_session",
            "close_expired",
            "network_leases",
            "pool_order",
            "pool_number",
            "pool_state",
            "count_lease",
            "extend_number",
            "extend_number_of_session",
            "mark_released",
        )
        return {name: getattr(self, name) for name in names}


def table(model: type[Base]) -> Table:
    found = model.__table__
    assert isinstance(found, Table)
    return found


@cache
def statements_for(dialect: str) -> Statements:
    return Statements(dialect)
