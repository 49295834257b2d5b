"""Reports on a year of a busy site: how long the calls report takes for the last 30 days and
for a whole year, grouped by channel and by campaign, with the previous period (as the admin's
Reports page asks for it).

    .venv/bin/python benchmarks/reports.py [--database sqlite|postgresql]
        [--calls N] [--sessions-per-call 10] [--repeat 3]

A scratch database (harness/scratch.py) is migrated and filled set-based, in the database
itself (PostgreSQL: ``generate_series``; SQLite: a recursive CTE): ``--sessions-per-call`` times
``--calls`` sessions spread evenly over the 365 days before 1 December 2026, over ten channels
and 200 campaigns (one visit in eight without), a visitor per four sessions, and ``--calls``
calls, each attributed to a session and started two minutes after it, with realistic visit
and entity snapshots; on PostgreSQL the plain indexes of those tables are dropped while they
fill and built again after (one sort each; the full volume filled in 7 to 9 minutes on the
shared 2-core machine), and the row counts are checked. Then ``ANALYZE`` (PostgreSQL:
``VACUUM ANALYZE``, which also marks the pages all-visible for index-only scans), and each
report is built ``--repeat`` times with ``reports.report.build``, the function behind the API
and the page. The first run is cold: it
sums every day of both periods into the per-day rollups (reports/rollup.py), as the first
report after an upgrade does. Before each later run two days of the period are marked changed
(its last day, as the collector's deriver marks today all the time, and one day in the
middle, as a late call end does), so those runs recompute two days and read the rest from the
rollups: their median is the figure compared with the goals. After the last run the premises
are checked: the rollups of both periods complete, no mark left unread, and the totals equal to
the raw rows' (one raw sum, not timed). This process's CPU time is
reported too (SQLite runs in it; on a shared machine the wall time also counts waiting for a
core). The plans of the raw sum that fills the rollup and of the rollup reads (a year by
channel: the sums per day, and the year's unique callers) are saved next to the figures.

Defaults: the issue's volumes (PostgreSQL: 1,000,000 calls and 10,000,000 sessions; SQLite a
tenth). Results: a table on stdout and benchmarks/results/reports-<backend>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from typing import Any
from zoneinfo import ZoneInfo

from harness import cli, report, scratch
from harness.report import say
from sqlalchemy import Connection, func, select, text

from dialtrail.calls.filters import CallFilters
from dialtrail.reports import queries, rolled, rollup
from dialtrail.reports.groupings import Grouping
from dialtrail.reports.periods import Period, spans, whole
from dialtrail.reports.report import ReportRequest, build
from dialtrail.sessions import changed_days
from dialtrail.sessions.models import ChangedDay
from dialtrail.storage import engine as storage_engine

END = datetime(2026, 12, 1, tzinfo=UTC)
YEAR_SECONDS = 365 * 86400
CHANNELS = (
    "Paid Search", "Organic Search", "Direct", "Referral", "Paid Social", "Organic Social",
    "Email", "Display", "Affiliates", "Unassigned",
)  # fmt: skip
CASES = (
    ("30 days", Period(date(2026, 11, 1), date(2026, 11, 30)), "day"),
    ("one year", Period(date(2025, 12, 1), date(2026, 11, 30)), "day"),
)
GOALS = {"30 days": 1.0, "one year": 3.0}


def main() -> int:
    parser = cli.parser_for(__doc__)
    cli.add_database_arguments(parser)
    parser.add_argument("--calls", type=int, help="default: 1,000,000 (SQLite 100,000)")
    parser.add_argument("--sessions-per-call", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    if arguments.calls is None:
        arguments.calls = 1_000_000 if arguments.database == "postgresql" else 100_000
    with scratch.database(arguments.database, arguments.postgres_url) as database:
        return run(arguments, database)


def run(arguments: argparse.Namespace, database: scratch.Scratch) -> int:
    project_id = scratch.prepare_project(database.url).project_id
    calls = arguments.calls
    sessions = calls * arguments.sessions_per_call
    engine = scratch.engine_for(database.url)
    started = time.perf_counter()
    with engine.begin() as connection:
        fill(connection, database.backend, project_id, sessions, calls)
    filled = time.perf_counter() - started
    say(f"filled {sessions:,} sessions and {calls:,} calls in {filled:.0f} s")
    analyse(engine, database.backend)
    factory = storage_engine.create_session_factory(engine)
    rows = [
        measure(factory, project_id, case, grouping, arguments.repeat)
        for case in CASES
        for grouping in ("channel", "campaign")
    ]
    plan = explain(engine, database.backend, project_id)
    engine.dispose()
    show(rows)
    result = {
        "backend": database.backend,
        "calls": calls,
        "sessions": sessions,
        "fill_seconds": round(filled, 1),
        "reports": rows,
        "plan": plan,
        **report.environment(),
    }
    path = report.write_json(f"reports-{database.backend}.json", result)
    say(f"results: {path}")
    return 0 if all(row["median_seconds"] < GOALS[row["period"]] for row in rows) else 1


def fill(connection: Connection, backend: str, project_id: int, sessions: int, calls: int) -> None:
    """Visitors, sessions and calls, written by the database from a series of numbers; then
    checked: the rows are all there."""
    parameters = {
        "project": project_id,
        "sessions": sessions,
        "visitors": max(1, sessions // 4),
        "calls": calls,
        "per_call": sessions // calls,
        "step": YEAR_SECONDS / sessions,
    }
    with indexes_built_after(connection, backend):
        for statement in (visitors_sql, sessions_sql, calls_sql):
            connection.execute(text(statement(backend)), parameters)
    expected = {"visitors": parameters["visitors"], "sessions": sessions, "calls": calls}
    for table, count in expected.items():
        written = connection.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
        assert written == count, f"{table}: {written:,} rows written, {count:,} planned"


@contextlib.contextmanager
def indexes_built_after(connection: Connection, backend: str) -> Iterator[None]:
    """PostgreSQL: the plain indexes of the filled tables dropped while they fill and built
    again from their own definitions after (one sort each, rather than ten million insertions
    into each btree); the constraints' indexes stay. Checked: the same indexes are back."""
    if backend != "postgresql":
        yield
        return
    listed = text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN"
        " ('visitors', 'sessions', 'calls') AND indexname LIKE 'ix\\_%' ORDER BY indexname"
    )
    plain = connection.execute(listed).all()
    for name, _ in plain:
        connection.execute(text(f'DROP INDEX "{name}"'))
    yield
    connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    for _, definition in plain:
        connection.execute(text(definition))
    assert connection.execute(listed).all() == plain, "the dropped indexes are not all back"


def series(backend: str, count: str) -> str:
    """The numbers 1 … count as a row source ``n(i)``."""
    if backend == "postgresql":
        return f"generate_series(1, {count}) AS n(i)"
    return (
        f"(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})"  # noqa: S608
        " SELECT i FROM n) AS n"
    )


def moment(backend: str, seconds: str) -> str:
    """SQL for 1 December 2025 plus ``seconds``, as each database stores UTCDateTime."""
    if backend == "postgresql":
        return f"(timestamp '2025-12-01 00:00:00' + ({seconds}) * interval '1 second')"
    return (
        "(strftime('%Y-%m-%d %H:%M:%S', '2025-12-01 00:00:00', '+' || CAST("
        f"{seconds} AS INTEGER) || ' seconds') || '.000000')"
    )


def visitors_sql(backend: str) -> str:
    start = moment(backend, "0")
    return (
        "INSERT INTO visitors (project_id, key, first_seen_at, last_seen_at) "  # noqa: S608 (constants only)
        f"SELECT :project, 'v' || i, {start}, {start} FROM {series(backend, ':visitors')}"
    )


def sessions_sql(backend: str) -> str:
    at = moment(backend, "i * :step")
    return (
        "INSERT INTO sessions (project_id, visitor_id, key, started_at, last_activity_at,"  # noqa: S608 (constants only)
        " landing_page, referrer, utm_source, utm_medium, utm_campaign, user_agent, ip,"
        " page_views, channel) "
        f"SELECT :project, 1 + (i % :visitors), 's' || i, {at}, {at},"
        " 'https://shop.example.com/offer/' || (i % 40) || '?utm_source=google&gclid=Cj0' || i,"
        " 'https://www.google.com/', 'google', 'cpc',"
        " CASE WHEN i % 8 = 0 THEN NULL ELSE 'campaign-' || (i % 200) END,"
        " 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0',"
        f" '203.0.113.0', 1 + i % 6, {channel_case()} FROM {series(backend, ':sessions')}"
    )


def channel_case() -> str:
    whens = " ".join(f"WHEN {index} THEN '{name}'" for index, name in enumerate(CHANNELS))
    return f"CASE i % {len(CHANNELS)} {whens} END"


# A call's visit snapshot as ingest stores it (sessions/visit.py), about 600 bytes.
VISIT_JSON = (
    '{"session_id": "s", "visitor_id": "v", "ga_client_id": "123.456", "utm_source": "google",'
    ' "utm_medium": "cpc", "utm_campaign": "campaign-7", "utm_content": null, "utm_term": null,'
    ' "gclid": "Cj0KCQ", "fbclid": null, "yclid": null, "channel": "Paid Search",'
    ' "referrer": "https://www.google.com/", "landing_page": "https://shop.example.com/offer/7",'
    ' "page_url": "https://shop.example.com/contacts", "started_at": "2026-11-27T10:02:11Z",'
    ' "page_views": 3, "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0"}'
)


def calls_sql(backend: str) -> str:
    session = "(i * :per_call)"
    at = moment(backend, f"{session} * :step + 120")
    json = "::json" if backend == "postgresql" else ""
    entities = (
        """'{"visit_id": {"value": "V-' || (i % 1000) || '", "observed_at": null,"""
        """ "page_url": null}}'"""
    )
    return (
        "INSERT INTO calls (project_id, provider, external_id, direction, caller,"  # noqa: S608 (constants only)
        " tracking_number, started_at, ended_at, wait_seconds, talk_seconds, duration_seconds,"
        " disposition, insertion_type, attribution, session_id, visitor_id,"
        " candidate_session_ids, is_first_call, visit, entities, created_at, updated_at) "
        "SELECT :project, 'api', 'c' || i, 'incoming', '+4420' || (10000000 + i % 400000),"
        f" '+442079460958', {at}, {at}, 5 + i % 40,"
        " CASE WHEN i % 4 < 2 THEN 30 + i % 600 END, 35 + i % 640,"
        " CASE i % 4 WHEN 0 THEN 'answered' WHEN 1 THEN 'answered' WHEN 2 THEN 'no_answer'"
        " ELSE 'busy' END, 'dynamic', 'session',"
        f" {session}, 1 + ({session} % :visitors), '[]'{json}, i % 3 <> 0,"
        f" '{VISIT_JSON}'{json}, ({entities}){json}, {at}, {at}"
        f" FROM {series(backend, ':calls')}"
    )


def analyse(engine: Any, backend: str) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if backend == "postgresql" else "ANALYZE"))


def measure(
    factory: Any, project_id: int, case: tuple[str, Period, str], grouping: str, repeat: int
) -> dict[str, Any]:
    name, period, _ = case
    request = ReportRequest(
        project_id, "Europe/Kyiv", period, "day", Grouping(grouping), CallFilters(), compare=True
    )
    times, cpu_times = [], []
    for run in range(repeat + 1):
        with factory() as db:
            if run:
                mark_changed(db, project_id, period)
            started, cpu = time.perf_counter(), time.process_time()
            built = build(db, request)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu)
    with factory() as db:
        check_premises(db, request, built)
    return {
        "period": name,
        "group_by": grouping,
        "calls": built.totals.calls,
        "groups": len(built.groups),
        "first_seconds": round(times[0], 3),
        "median_seconds": round(statistics.median(times[1:]), 3),
        "median_cpu_seconds": round(statistics.median(cpu_times[1:]), 3),
    }


def check_premises(db: Any, request: ReportRequest, built: Any) -> None:
    """What the figures stand on: the last run read rollups complete for both periods and
    consumed the marks, and its totals equal the raw rows' (one raw sum, not timed)."""
    zone = ZoneInfo(request.timezone)
    for period in (request.period, request.period.previous()):
        for grouping in (request.grouping, None):
            name = rollup.dimension(grouping)
            missing = rollup.missing_days(db, request.project_id, name, period)
            assert not missing, f"{name or 'totals'}: {len(missing)} days not rolled"
    marks = db.scalar(select(func.count()).select_from(ChangedDay))
    assert marks == 0, f"{marks} marks of changed days left unread"
    raw = queries.call_counts(
        db, request.project_id, CallFilters(), [whole(request.period, zone)], None
    )
    assert raw[(0, None)].calls == built.totals.calls, "rollup and raw totals differ"
    assert raw[(0, None)].unique_callers == built.totals.unique_callers


def mark_changed(db: Any, project_id: int, period: Period) -> None:
    """The period's last day and its middle one changed, as the live site's writers mark
    them (sessions/changed_days.py)."""
    middle = period.first_day + (period.last_day - period.first_day) / 2
    days = (period.last_day, middle)
    changed_days.mark(
        db, [(project_id, datetime.combine(day, time_of_day(12), UTC)) for day in days]
    )
    db.commit()


def explain(engine: Any, backend: str, project_id: int) -> dict[str, str]:
    """The plans of a year per channel: the raw sum per day a cold rollup makes (as the report
    of a filtered period reads it), and the two reads of the rollups: the sums per day and
    channel, and the year's unique callers per channel (the read that grows with the calls)."""
    zone = ZoneInfo("Europe/Kyiv")
    year = spans(CASES[1][1], "day", zone)
    channel = Grouping("channel")
    queries_by_name = {
        "raw_calls": queries.call_counts_query(backend, project_id, CallFilters(), year, channel),
        "rollup_sums": rolled.call_sums_query(backend, project_id, year, channel),
        "rollup_unique_callers": unique_callers_read(backend, project_id, whole(CASES[1][1], zone)),
    }
    return {name: plan_of(engine, backend, query) for name, query in queries_by_name.items()}


def unique_callers_read(backend: str, project_id: int, year: Any) -> Any:
    """The year's unique callers per channel as the report reads them (PostgreSQL: with the
    total, in one ROLLUP)."""
    channel = Grouping("channel")
    if backend == "postgresql":
        return rolled.rolled_up_callers_query(project_id, year, channel)
    return rolled.unique_callers_query(backend, project_id, [year], channel)


def plan_of(engine: Any, backend: str, query: Any) -> str:
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if backend == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        compiled = query.compile(connection)
        values = {name: stored(value, backend) for name, value in compiled.params.items()}
        if backend == "sqlite":  # qmark placeholders: the values in their order
            ordered = tuple(values[name] for name in compiled.positiontup or ())
            rows = connection.exec_driver_sql(prefix + str(compiled), ordered).all()
        else:
            rows = connection.exec_driver_sql(prefix + str(compiled), values).all()
    return "\n".join(" | ".join(str(part) for part in row) for row in rows)


def stored(value: Any, backend: str) -> Any:
    """A bound value as UTCDateTime stores it (the statement runs on the driver's cursor)."""
    if not isinstance(value, datetime):
        return value
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return naive if backend == "postgresql" else naive.strftime("%Y-%m-%d %H:%M:%S.%f")


def show(rows: list[dict[str, Any]]) -> None:
    header = f"{'period':10} {'group by':10} {'calls':>10} {'groups':>7}"
    say(f"{header} {'cold s':>8} {'median s':>9} {'cpu s':>6}  goal")
    for row in rows:
        goal = GOALS[row["period"]]
        verdict = "ok" if row["median_seconds"] < goal else "MISSED"
        say(
            f"{row['period']:10} {row['group_by']:10} {row['calls']:>10,} {row['groups']:>7}"
            f" {row['first_seconds']:>8.3f} {row['median_seconds']:>9.3f}"
            f" {row['median_cpu_seconds']:>6.3f}  < {goal:.0f} s {verdict}"
        )


if __name__ == "__main__":
    sys.exit(main())
