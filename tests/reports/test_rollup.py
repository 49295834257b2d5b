"""The per-day rollups (reports/rollup.py) stay exact when what they summed changes through the
other writers than the ORM: the collector's deriver adding a visit to a rolled day, retention
deleting visits, the project moving to another time zone. (The property test covers calls
changed late and visits and calls added through the ORM.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from dialtrail.collector.deriver import catch_up
from dialtrail.reports.models import RolledDay
from dialtrail.reports.rollup import consume_marks, warm
from dialtrail.sessions.models import ChangedDay
from dialtrail.sessions.retention import prune
from tests.reports.conftest import report, set_timezone
from tests.support.call_rows import CallRows
from tests.support.collector import Visit
from tests.support.databases import Database
from tests.support.people import World


def rolled_days(database: Database, project_id: int) -> int:
    with database.session() as session:
        query = select(func.count()).where(RolledDay.project_id == project_id)
        return session.scalar(query) or 0


def test_a_visit_the_collector_derives_into_a_rolled_day_is_counted(
    world: World, database: Database, visit: Visit
) -> None:
    today = datetime.now(UTC).date().isoformat()
    period = {"from": today, "to": today, "group_by": "channel"}
    before = report(world.owner.client, world.project_id, **period)
    assert before["totals"]["sessions"] == 0
    assert rolled_days(database, world.project_id) > 0  # today is in the rollups now

    assert visit.page("https://shop.example.com/?utm_source=newsletter&utm_medium=email").is_success

    after = report(world.owner.client, world.project_id, **period)
    assert after["totals"]["sessions"] == 1
    assert [(group["key"], group["figures"]["sessions"]) for group in after["groups"]] == [
        ("Email", 1)
    ]


def test_visits_retention_deletes_leave_the_rolled_days(
    world: World, database: Database, rows: CallRows
) -> None:
    old = datetime.now(UTC) - timedelta(days=200)
    rows.session(old, channel="Direct")
    rows.session(old, channel="Direct")
    day = old.date().isoformat()
    period = {"from": day, "to": day, "group_by": "channel"}
    assert report(world.owner.client, world.project_id, **period)["totals"]["sessions"] == 2

    with database.session() as session:
        prune(session, datetime.now(UTC) - timedelta(days=90))
        session.commit()

    after = report(world.owner.client, world.project_id, **period)
    assert after["totals"]["sessions"] == 0
    assert after["groups"] == []


def test_a_new_time_zone_moves_calls_to_their_new_local_days(
    world: World, database: Database, rows: CallRows
) -> None:
    set_timezone(database, world.project_id, "UTC")
    rows.call(datetime(2026, 10, 10, 22, 30, tzinfo=UTC))  # the 11th at 01:30 in Kyiv (UTC+3)
    period = {"from": "2026-10-10", "to": "2026-10-11", "interval": "day"}

    def calls_per_day() -> list[tuple[str, int]]:
        body = report(world.owner.client, world.project_id, **period)
        return [(item["first_day"], item["total"]["calls"]) for item in body["intervals"]]

    assert calls_per_day() == [("2026-10-10", 1), ("2026-10-11", 0)]
    set_timezone(database, world.project_id, "Europe/Kyiv")
    assert calls_per_day() == [("2026-10-10", 0), ("2026-10-11", 1)]


def test_marks_applied_by_prune_leave_the_next_report_exact(
    world: World, database: Database, visit: Visit
) -> None:
    """``dialtrail prune`` consumes every project's marks (a project nobody reports on must
    not gather them without end): the days they name are dropped from the rollups, so the
    next report sums them again rather than trusting a stale count."""
    today = datetime.now(UTC).date().isoformat()
    period = {"from": today, "to": today, "group_by": "channel"}
    assert report(world.owner.client, world.project_id, **period)["totals"]["sessions"] == 0
    assert visit.page("https://shop.example.com/?utm_source=newsletter&utm_medium=email").is_success
    with database.session() as session:
        catch_up(session)
        session.commit()
        assert (session.scalar(select(func.count()).select_from(ChangedDay)) or 0) > 0
        assert consume_marks(session) == 1
        session.commit()
        assert session.scalar(select(func.count()).select_from(ChangedDay)) == 0

    after = report(world.owner.client, world.project_id, **period)
    assert after["totals"]["sessions"] == 1


def test_warming_rolls_up_what_the_admin_shows_first(
    world: World, database: Database, rows: CallRows
) -> None:
    """``dialtrail migrate`` and ``prune`` roll up the last 30 days by channel and in total,
    and the 30 before (the Reports page's comparison): the first report after an upgrade
    then sums nothing, and its figures are the calls'."""
    set_timezone(database, world.project_id, "UTC")
    now = datetime.now(UTC)
    rows.call(now - timedelta(days=3))
    with database.session() as session:
        assert warm(session, now) >= 1
        per_dimension = session.execute(
            select(RolledDay.dimension, func.count())
            .where(RolledDay.project_id == world.project_id)
            .group_by(RolledDay.dimension)
        ).all()
    assert sorted(tuple(row) for row in per_dimension) == [("", 60), ("channel", 60)]

    today = now.date()
    period = {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}
    body = report(world.owner.client, world.project_id, group_by="channel", **period)
    assert body["totals"]["calls"] == 1
    assert rolled_days(database, world.project_id) == 120
