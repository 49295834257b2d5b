"""The deriver's lease renewals, a batch at a time (numbers/renewals.py: one statement on
PostgreSQL, two per session on SQLite): each lease moves to its session's activity plus the
hold, a shared number to the furthest of its leases, and nothing ever moves back."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from dialtrail.numbers.leasing import RENEWAL_PADDING, PoolSettings
from dialtrail.numbers.models import NumberLease, TrackingNumber
from dialtrail.numbers.renewals import renew_all
from tests.numbers.test_lease_numbers import POOL, START, Browser, make_project
from tests.support.databases import Database

HOLD = timedelta(seconds=300)


def test_a_batch_renews_each_lease_and_moves_a_shared_number_to_the_furthest(
    database: Database,
) -> None:
    project = make_project(database, POOL[:1])
    assert project.pool is not None
    first, second = Browser(database, project), Browser(database, project)
    assert first.page(START) == second.page(START + timedelta(seconds=1)) == POOL[0]
    one, two = session_ids(database)

    renew(
        database,
        project.pool,
        [(one, START + timedelta(seconds=200)), (two, START + timedelta(seconds=100))],
    )

    assert expiries(database) == {
        one: START + timedelta(seconds=200) + HOLD,
        two: START + timedelta(seconds=100) + HOLD,
    }
    furthest = START + timedelta(seconds=200) + HOLD
    assert leased_until(database) == furthest + RENEWAL_PADDING


def test_an_older_or_same_instant_renewal_changes_nothing(database: Database) -> None:
    project = make_project(database, POOL[:1])
    assert project.pool is not None
    Browser(database, project).page(START)
    (session,) = session_ids(database)
    renew(database, project.pool, [(session, START + timedelta(seconds=100))])
    before = (expiries(database), leased_until(database))

    assert before[0] == {session: START + timedelta(seconds=100) + HOLD}

    for again in (100, 50):  # the same event derived again, then a replayed, older one
        renew(database, project.pool, [(session, START + timedelta(seconds=again))])
        assert (expiries(database), leased_until(database)) == before


def test_an_ended_lease_is_not_renewed(database: Database) -> None:
    project = make_project(database, POOL[:1], policy="default_number")
    assert project.pool is not None
    Browser(database, project).page(START)
    (session,) = session_ids(database)
    # The lease ended at 300 s; a late event derived afterwards must not bring it back.
    assert Browser(database, project).page(START + timedelta(seconds=301)) == POOL[0]
    renew(database, project.pool, [(session, START + timedelta(seconds=302))])
    with database.session() as db:
        lease = db.scalars(select(NumberLease).where(NumberLease.session_id == session)).one()
        assert (lease.released_at, lease.expires_at) == (START + HOLD, START + HOLD)


def renew(database: Database, pool: PoolSettings, renewals: list[tuple[int, datetime]]) -> None:
    with database.session() as db:
        renew_all(db.connection(), [(pool, session, at) for session, at in renewals])
        db.commit()


def session_ids(database: Database) -> list[int]:
    with database.session() as db:
        return list(db.scalars(select(NumberLease.session_id).order_by(NumberLease.id)))


def expiries(database: Database) -> dict[int, datetime]:
    with database.session() as db:
        rows = db.execute(select(NumberLease.session_id, NumberLease.expires_at))
        return {session: expires for session, expires in rows}


def leased_until(database: Database) -> datetime:
    with database.session() as db:
        return db.scalars(select(TrackingNumber.leased_until)).one()
