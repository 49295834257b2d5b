"""Leasing pool numbers to sessions (docs/design.md §4), time injected: the collector answers
and leases exactly as in a request, one transaction per page view or ping, and the deriver
derives each event before the next."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dialtrail.collector import jobs, store
from dialtrail.collector.answers import Answer
from dialtrail.collector.deriver import catch_up
from dialtrail.collector.payloads import PageViewEvent, PingEvent
from dialtrail.numbers import leasing
from dialtrail.numbers.models import NumberLease, PoolUsage, TrackingNumber
from dialtrail.projects.models import Project
from tests.support.collector import client_id
from tests.support.databases import Database

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
POOL = ["+380441110001", "+380441110002", "+380441110003"]
SITE_NUMBER = "+380441112233"
CLIENT = store.Client("203.0.113.9", "pytest")


class Browser:
    """One visitor's session, as its page views and pings reach the collector: answered (and
    leased) as the collector does, then derived from the journal."""

    def __init__(self, database: Database, project: store.ProjectContext) -> None:
        self.database = database
        self.project = project
        self.visitor, self.session = client_id(), client_id()
        self.page_view = client_id()
        self.jobs = jobs.Jobs()  # a server process of its own
        self.client = CLIENT  # who asks, for the lease gate

    def page(self, at: datetime) -> str | None:
        self.page_view = client_id()
        event = PageViewEvent(
            visitor=self.visitor,
            session=self.session,
            page_view=self.page_view,
            url="https://shop.example.com/",
        )
        answer = self.send(event, at)
        assert answer.status == 200
        number: str | None = json.loads(answer.body)["number"]
        return number

    def ping(self, at: datetime) -> None:
        event = PingEvent(visitor=self.visitor, session=self.session, page_view=self.page_view)
        assert self.send(event, at).status == 204

    def send(self, event: PageViewEvent | PingEvent, at: datetime) -> Answer:
        with self.database.sessions() as db:
            accepted = jobs.Accepted(self.project, event, self.client, at)
            (outcome,) = self.jobs.write_plans(db, [accepted])
            db.commit()
        self.jobs.committed()
        with self.database.sessions() as db:
            catch_up(db, at)
            db.commit()
        assert isinstance(outcome, Answer)
        return outcome


def make_project(
    database: Database, numbers: list[str] = POOL, policy: str = "reuse_oldest"
) -> store.ProjectContext:
    with database.session() as db:
        project = Project(
            name="Leases",
            public_key=client_id(),
            site_numbers=[SITE_NUMBER],
            hold_seconds=300,
            on_pool_exhausted=policy,
        )
        db.add(project)
        db.flush()
        db.add_all(TrackingNumber(project_id=project.id, number=n, kind="pool") for n in numbers)
        db.commit()
        loaded = store.load_project(db, project.public_key)
    assert loaded is not None
    assert loaded.pool is not None
    return loaded


def test_a_session_keeps_its_number_across_pages(database: Database) -> None:
    browser = Browser(database, make_project(database))
    first = browser.page(START)
    assert first in POOL
    assert browser.page(START + timedelta(minutes=2)) == first
    assert browser.page(START + timedelta(minutes=6)) == first  # renewed at minute 2


def test_two_sessions_get_different_numbers(database: Database) -> None:
    project = make_project(database)
    numbers = [Browser(database, project).page(START) for _ in POOL]
    assert sorted(numbers) == sorted(POOL)  # type: ignore[type-var]


def test_pings_renew_the_lease(database: Database) -> None:
    project = make_project(database, POOL[:1])
    first = Browser(database, project)
    first.page(START)
    first.ping(START + timedelta(seconds=290))
    # Without the ping the lease would have ended at 300 s and the number gone to the next.
    assert Browser(database, project).page(START + timedelta(seconds=400)) == POOL[0]
    assert open_leases(database) == [(POOL[0], False), (POOL[0], True)]


def test_a_lease_expires_hold_seconds_after_the_last_activity(database: Database) -> None:
    project = make_project(database, POOL[:1], policy="default_number")
    Browser(database, project).page(START)
    assert Browser(database, project).page(START + timedelta(seconds=299)) == SITE_NUMBER
    assert Browser(database, project).page(START + timedelta(seconds=300)) == POOL[0]
    with database.session() as db:
        number = db.scalars(select(TrackingNumber)).one()
        assert number.last_released_at == START + timedelta(seconds=300)


def test_the_least_recently_released_number_is_leased_first(database: Database) -> None:
    project = make_project(database, POOL[:2])
    early, late = Browser(database, project), Browser(database, project)
    assert early.page(START) == POOL[0]
    assert late.page(START) == POOL[1]
    late.ping(START + timedelta(minutes=3))  # released 3 minutes after the other
    # Both free now; the one released earlier goes first, the other waits for a late caller.
    newcomers = [Browser(database, project).page(START + timedelta(hours=1)) for _ in range(2)]
    assert newcomers == [POOL[0], POOL[1]]


def test_a_returning_session_gets_its_own_number_back_when_free(database: Database) -> None:
    project = make_project(database, POOL[:2])
    browser = Browser(database, project)
    assert browser.page(START) == POOL[0]
    # Lease lapsed; POOL[0] was released more recently than never-used POOL[1].
    assert browser.page(START + timedelta(minutes=20)) == POOL[0]


def test_reuse_oldest_shares_the_least_recently_active_lease(database: Database) -> None:
    project = make_project(database, POOL[:2])
    first, second = Browser(database, project), Browser(database, project)
    first.page(START)
    second.page(START + timedelta(seconds=10))
    first.ping(START + timedelta(seconds=20))  # now second is the least recently active
    third = Browser(database, project).page(START + timedelta(seconds=30))
    assert third == POOL[1]
    assert sorted(open_leases(database)) == [(POOL[0], False), (POOL[1], False), (POOL[1], True)]
    assert usage(database) == (3, 2, 1)


def test_default_number_policy_leases_nothing_when_exhausted(database: Database) -> None:
    project = make_project(database, POOL[:1], policy="default_number")
    Browser(database, project).page(START)
    assert Browser(database, project).page(START + timedelta(seconds=5)) == SITE_NUMBER
    assert open_leases(database) == [(POOL[0], False)]
    assert usage(database) == (1, 1, 1)


def test_a_removed_number_is_not_leased_but_its_lease_lives_on(database: Database) -> None:
    project = make_project(database, POOL[:2])
    holder = Browser(database, project)
    assert holder.page(START) == POOL[0]
    with database.session() as db:
        number = db.scalars(select(TrackingNumber).where(TrackingNumber.number == POOL[0])).one()
        number.removed_at = START
        db.commit()
    assert holder.page(START + timedelta(minutes=1)) == POOL[0]  # draining, not yanked
    assert Browser(database, project).page(START + timedelta(minutes=30)) == POOL[1]
    assert Browser(database, project).page(START + timedelta(minutes=30)) == POOL[1]  # shared


@pytest.mark.parametrize(
    ("same_session", "other_number", "shared"),
    [
        (True, True, False),  # one session, two open leases
        (True, True, True),
        (False, False, False),  # one number, two open exclusive leases
    ],
)
def test_the_database_refuses_what_leasing_must_never_do(
    database: Database, same_session: bool, other_number: bool, shared: bool
) -> None:
    project = make_project(database, POOL[:2])
    Browser(database, project).page(START)
    other = Browser(database, project)
    other.page(START)  # holds POOL[1]
    with database.session() as db:
        leases = db.scalars(select(NumberLease).order_by(NumberLease.id)).all()
        holder, number_id = leases[0].session_id, leases[0].number_id
        session_id = holder if same_session else leases[1].session_id
        if not same_session:  # free the other session so that only the number clashes
            leases[1].released_at = START
            db.flush()
        if other_number:
            number_id = leases[1].number_id
        assert project.pool is not None
        row = leasing.lease_row(project.pool, number_id, session_id, START, shared=shared)
        connection = db.connection()
        inserted = connection.execute(
            leasing.statements_for(connection.dialect.name).insert_lease, row
        )
        assert inserted.first() is None


def open_leases(database: Database) -> list[tuple[str, bool]]:
    with database.session() as db:
        query = (
            select(TrackingNumber.number, NumberLease.shared)
            .join(NumberLease, NumberLease.number_id == TrackingNumber.id)
            .where(NumberLease.released_at.is_(None))
            .order_by(NumberLease.id)
        )
        return [(number, shared) for number, shared in db.execute(query)]


def usage(database: Database) -> tuple[int, int, int]:
    with database.session() as db:
        row = db.scalars(select(PoolUsage)).one()
        return row.peak_sessions, row.pool_size, row.exhaustions


def test_an_exhausted_pool_spreads_new_sessions_over_its_numbers_in_turn(
    database: Database,
) -> None:
    project = make_project(database)
    for second in range(len(POOL)):
        Browser(database, project).page(START + timedelta(seconds=second))
    later = [Browser(database, project).page(START + timedelta(seconds=10 + n)) for n in range(6)]
    # Each share makes its number the most recently active: the next session shares the next.
    assert later == POOL + POOL
    assert numbers_counted(database) == {number: (3, 3) for number in POOL}
    assert usage(database) == (9, 3, 6)


def test_it_counts_each_numbers_sessions_as_leases_start_renew_and_end(
    database: Database,
) -> None:
    project = make_project(database, POOL[:2])
    first, second, third = (Browser(database, project) for _ in range(3))
    first.page(START)
    second.page(START + timedelta(seconds=1))
    third.page(START + timedelta(seconds=2))  # shares POOL[0]
    first.ping(START + timedelta(seconds=200))
    assert numbers_counted(database) == {POOL[0]: (2, 2), POOL[1]: (1, 1)}
    # At 400 s second's and third's leases are over; first's lives until 500 s.
    assert Browser(database, project).page(START + timedelta(seconds=400)) == POOL[1]
    assert numbers_counted(database) == {POOL[0]: (1, 1), POOL[1]: (1, 1)}
    # At 500 s first's lease is over too: POOL[0] is free at once, not a few seconds late.
    assert Browser(database, project).page(START + timedelta(seconds=500)) == POOL[0]
    with database.session() as db:
        number = db.scalars(select(TrackingNumber).where(TrackingNumber.number == POOL[0])).one()
        assert number.last_released_at == START + timedelta(seconds=500)


def test_a_lease_another_process_closed_is_not_renewed(database: Database) -> None:
    """Between one server process reading a live lease and renewing it, another closes it
    (expired by its clock): the renewal must neither reopen the lease nor keep its number."""
    project = make_project(database, POOL[:1], policy="default_number")
    assert project.pool is not None
    Browser(database, project).page(START)
    just_before, ended = START + timedelta(seconds=299), START + timedelta(seconds=300)
    with database.session() as db:
        session_id = db.scalars(select(NumberLease.session_id)).one()
        stale = leasing.latest_lease(db.connection(), session_id)
    assert stale is not None
    assert stale.live(just_before)
    with database.session() as db:  # the other process
        leasing.close_expired(db.connection(), project.pool.project_id, ended)
        db.commit()

    with database.session() as db:
        renewed = leasing.renew(db.connection(), project.pool, stale, just_before)
        db.commit()

    with database.session() as db:
        lease = db.scalars(select(NumberLease)).one()
        assert (lease.released_at, lease.expires_at) == (ended, ended)
        number = db.scalars(select(TrackingNumber)).one()
        assert (number.open_leases, number.leased_until) == (0, ended)
    assert renewed is False  # the page view then asks for a new lease
    # The number is free from the lease's end, for the next visitor.
    assert Browser(database, project).page(ended + timedelta(seconds=1)) == POOL[0]


def numbers_counted(database: Database) -> dict[str, tuple[int, int]]:
    """Per number: its own count of sessions, and its open leases counted one by one."""
    leases = [number for number, _ in open_leases(database)]
    with database.session() as db:
        numbers = db.scalars(select(TrackingNumber)).all()
    return {number.number: (number.open_leases, leases.count(number.number)) for number in numbers}


def arrive_together(
    database: Database, project: store.ProjectContext, count: int, after: int = 0
) -> list[str]:
    """``count`` new sessions' first page views in one batch of one server process, as a busy
    site's arrive between two commits (``after`` milliseconds past START); the numbers shown,
    in arrival order."""
    collector = jobs.Jobs()
    batch = [Browser(database, project) for _ in range(count)]
    accepted = [
        jobs.Accepted(
            project,
            PageViewEvent(
                visitor=browser.visitor,
                session=browser.session,
                page_view=browser.page_view,
                url="https://shop.example.com/",
            ),
            CLIENT,
            START + timedelta(milliseconds=after + n),
        )
        for n, browser in enumerate(batch)
    ]
    with database.sessions() as db:
        outcomes = collector.write_plans(db, accepted)
        db.commit()
    collector.committed()
    shown = []
    for outcome in outcomes:
        assert isinstance(outcome, Answer)
        shown.append(json.loads(outcome.body)["number"])
    return shown


@pytest.mark.parametrize("policy", ["reuse_oldest", "default_number"])
def test_sessions_arriving_together_get_what_they_would_one_by_one(
    database: Database, policy: str
) -> None:
    """New sessions of one batch take their numbers with one statement per step, not per
    session: the numbers, shares, counts and usage must be those of one page view at a
    time (the Browser tests above), free numbers least recently released first, then shares
    in turn, or the default number."""
    numbers = [f"+38044111{n:04d}" for n in range(5)]
    together = make_project(database, numbers, policy)
    alone = make_project(database, [n.replace("+38044111", "+38044222") for n in numbers], policy)
    shown = arrive_together(database, together, 12)
    one_by_one = [
        Browser(database, alone).page(START + timedelta(milliseconds=n)) for n in range(12)
    ]
    renamed = [None if n is None else n.replace("+38044222", "+38044111") for n in one_by_one]
    assert shown == renamed
    if policy == "reuse_oldest":
        assert shown == numbers + numbers + numbers[:2]
    else:
        assert shown == numbers + [SITE_NUMBER] * 7
    with database.session() as db:
        rows = db.scalars(select(PoolUsage).order_by(PoolUsage.project_id)).all()
        assert [(r.peak_sessions, r.pool_size, r.exhaustions) for r in rows] == [
            (12 if policy == "reuse_oldest" else 5, 5, 7)
        ] * 2
    counted = numbers_counted(database)
    assert all(mine == counted_one_by_one for mine, counted_one_by_one in counted.values())


def test_a_batch_after_the_leases_expired_takes_the_least_recently_released_first(
    database: Database,
) -> None:
    project = make_project(database)
    for second in (0, 20, 10):  # released at 300, 320 and 310 s
        Browser(database, project).page(START + timedelta(seconds=second))
    assert arrive_together(database, project, 2, after=400_000) == [POOL[0], POOL[2]]
    assert numbers_counted(database) == {POOL[0]: (1, 1), POOL[1]: (0, 0), POOL[2]: (1, 1)}


def test_a_batch_meeting_busy_numbers_shares_them_as_one_by_one_would(database: Database) -> None:
    """Three of five numbers already held: the batch takes the two free ones, then shares in
    turn the numbers busy before and then the two it just leased, exactly as page views one
    at a time would."""
    numbers = [f"+38044111{n:04d}" for n in range(5)]
    together = make_project(database, numbers)
    alone = make_project(database, [n.replace("+38044111", "+38044222") for n in numbers])
    for project in (together, alone):
        for n in range(3):
            Browser(database, project).page(START + timedelta(milliseconds=n))
    shown = arrive_together(database, together, 9, after=10)
    one_by_one = [
        Browser(database, alone).page(START + timedelta(milliseconds=10 + n)) for n in range(9)
    ]
    assert shown == [None if n is None else n.replace("+38044222", "+38044111") for n in one_by_one]
    assert shown[:2] == numbers[3:]  # the free ones first
    assert shown[2:] == numbers[:3] + numbers[3:] + numbers[:2]  # busy before, then just leased
    counted = numbers_counted(database)
    assert all(mine == counted_one_by_one for mine, counted_one_by_one in counted.values())
