"""For random calls and visits around DST changes, in zones with odd offsets, the report's
figures equal those computed here from the calls API's answer (days by the local clock,
groups by the visit snapshot), interval by interval and group by group; and still do after late
changes to days the first report rolled up (reports/rollup.py): a call's end arriving, a call
moving to another day, a call attributed to another visit, visits and calls added."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from dialtrail.calls.models import Call
from dialtrail.reports.models import CallDay, CallSum, RolledDay, SessionDay
from dialtrail.sessions.models import ChangedDay, Visitor, WebSession
from tests.reports.conftest import report, set_timezone
from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World

# Zones and one of their DST changes (or none), each with a day boundary worth straddling.
ZONES = {
    "Europe/Kyiv": datetime(2026, 10, 25, 1, tzinfo=UTC),
    "America/New_York": datetime(2026, 3, 8, 7, tzinfo=UTC),
    "Australia/Lord_Howe": datetime(2026, 4, 4, 15, tzinfo=UTC),  # a 30-minute change
    "Asia/Kathmandu": datetime(2026, 6, 1, 0, tzinfo=UTC),  # +05:45, no DST
    "UTC": datetime(2026, 1, 1, 0, tzinfo=UTC),
}
CHANNELS = ["Paid Search", "Email", "Direct"]
CAMPAIGNS = ["winter", "<b>sale</b>", None]
CALLERS = ["+442079460001", "+442079460002", "+442079460003", None]
DISPOSITIONS = ["answered", "no_answer", "busy", None]


@dataclass(frozen=True)
class Visit:
    minutes: int  # from the zone's change
    channel: str
    campaign: str | None


@dataclass(frozen=True)
class PlannedCall:
    minutes: int
    visit: int | None  # index into the visits
    caller: str | None
    disposition: str | None
    wait: int
    talk: int


visits = st.lists(
    st.builds(
        Visit,
        st.integers(-3 * 1440, 3 * 1440),
        st.sampled_from(CHANNELS),
        st.sampled_from(CAMPAIGNS),
    ),
    min_size=1,
    max_size=8,
)
calls = st.lists(
    st.builds(
        PlannedCall,
        st.integers(-3 * 1440, 3 * 1440),
        st.none() | st.integers(0, 7),
        st.sampled_from(CALLERS),
        st.sampled_from(DISPOSITIONS),
        st.integers(0, 60),
        st.integers(1, 600),
    ),
    max_size=25,
)


@dataclass(frozen=True)
class LateChange:
    call: int  # index into the project's calls (modulo their number)
    kind: str
    minutes: int  # moved by; or the talk time of an end arriving
    visit: int  # index into the visits (modulo their number): the call's new visit


late_changes = st.lists(
    st.builds(
        LateChange,
        st.integers(0, 24),
        st.sampled_from(["ended", "moved", "reattributed"]),
        st.integers(-2 * 1440, 2 * 1440),
        st.integers(0, 15),
    ),
    max_size=6,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone_name=st.sampled_from(sorted(ZONES)),
    planned_visits=visits,
    planned_calls=calls,
    interval=st.sampled_from(["day", "week", "month"]),
    group_by=st.sampled_from(["channel", "campaign"]),
    changes=late_changes,
    more_visits=visits,
    more_calls=calls,
)
def test_report_figures_equal_those_computed_from_the_calls_api(
    world: World,
    database: Database,
    rows: CallRows,
    zone_name: str,
    planned_visits: list[Visit],
    planned_calls: list[PlannedCall],
    interval: str,
    group_by: str,
    changes: list[LateChange],
    more_visits: list[Visit],
    more_calls: list[PlannedCall],
) -> None:
    clear(database, world.project_id)
    set_timezone(database, world.project_id, zone_name)
    zone, change = ZoneInfo(zone_name), ZONES[zone_name]
    write(rows, change, planned_visits, planned_calls)
    first = (change - timedelta(days=2)).astimezone(zone).date()
    last = (change + timedelta(days=2)).astimezone(zone).date()
    params = {"from": first.isoformat(), "to": last.isoformat(), "interval": interval}

    body = report(world.owner.client, world.project_id, group_by=group_by, **params)
    check(
        world,
        body,
        zone,
        first,
        last,
        group_by,
        sessions_in(planned_visits, change, zone, first, last),
    )

    change_late(database, world.project_id, change, changes)
    write(rows, change, more_visits, more_calls)
    after = report(world.owner.client, world.project_id, group_by=group_by, **params)
    every_visit = planned_visits + more_visits
    check(
        world,
        after,
        zone,
        first,
        last,
        group_by,
        sessions_in(every_visit, change, zone, first, last),
    )


def check(
    world: World,
    body: dict[str, Any],
    zone: ZoneInfo,
    first: date,
    last: date,
    group_by: str,
    sessions: int,
) -> None:
    listed = all_calls(world, zone, first, last)
    field = {"channel": "channel", "campaign": "utm_campaign"}[group_by]
    expected_groups = figures_by(listed, lambda call: call["visit"].get(field))
    assert {group["key"]: counted(group["figures"]) for group in body["groups"]} == {
        key: value for key, value in expected_groups.items()
    } | sessions_only(body)
    starts = [item["first_day"] for item in body["intervals"]]
    expected_days = figures_by(listed, lambda call: interval_of(call["local_day"], starts))
    assert {
        item["first_day"]: counted(item["total"])
        for item in body["intervals"]
        if item["total"]["calls"]
    } == expected_days
    assert body["totals"]["sessions"] == sessions


def clear(database: Database, project_id: int) -> None:
    """A fresh start for each example: bulk deletes, which no writer of Dialtrail makes, so
    the rollups and their marks go too."""
    tables = (Call, WebSession, Visitor, RolledDay, SessionDay, CallDay, CallSum, ChangedDay)
    with database.session() as session:
        for model in tables:
            session.execute(delete(model).where(model.project_id == project_id))
        session.commit()


def change_late(
    database: Database, project_id: int, change: datetime, late: list[LateChange]
) -> None:
    """Late changes to the calls, through the ORM as ingest and attribution make them: an end
    arriving (answered, with wait and talk times), a start moved by up to two days, another
    visit attributed (its snapshot with it, as attribution takes one)."""
    with database.session() as session:
        found = list(session.scalars(select(Call).where(Call.project_id == project_id)))
        visits = list(
            session.scalars(select(WebSession).where(WebSession.project_id == project_id))
        )
        for item in late:
            if not found:
                return
            call = found[item.call % len(found)]
            if item.kind == "ended":
                call.disposition, call.wait_seconds = "answered", 9
                call.talk_seconds = abs(item.minutes) % 600 + 1
            elif item.kind == "moved":
                call.started_at = call.started_at + timedelta(minutes=item.minutes)
            else:
                visit = visits[item.visit % len(visits)]
                call.session_id, call.visitor_id = visit.id, visit.visitor_id
                call.visit = {"channel": visit.channel, "utm_campaign": visit.utm_campaign}
        session.commit()


def write(
    rows: CallRows, change: datetime, planned_visits: list[Visit], planned_calls: list[PlannedCall]
) -> None:
    sessions = [
        rows.session(
            change + timedelta(minutes=visit.minutes),
            channel=visit.channel,
            utm_campaign=visit.campaign,
        )
        for visit in planned_visits
    ]
    made = []
    for plan in planned_calls:
        index = plan.visit if plan.visit is not None and plan.visit < len(sessions) else None
        visit = planned_visits[index] if index is not None else None
        snapshot = {"channel": visit.channel, "utm_campaign": visit.campaign} if visit else {}
        made.append(
            rows.call_row(
                change + timedelta(minutes=plan.minutes),
                sessions[index] if index is not None else None,
                external_id=secrets.token_hex(8),
                caller=plan.caller,
                disposition=plan.disposition,
                wait_seconds=plan.wait if plan.disposition else None,
                talk_seconds=plan.talk if plan.disposition == "answered" else None,
                is_first_call=plan.minutes % 2 == 0,
                visit=snapshot,
            )
        )
    rows.add_many(made)


def all_calls(world: World, zone: ZoneInfo, first: date, last: date) -> list[dict[str, Any]]:
    """Every call of the period, by the calls API, with its local day computed here."""
    path = f"/api/v1/projects/{world.project_id}/calls"
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        page = world.owner.client.get(path, params=params).json()
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    for call in found:
        started = datetime.fromisoformat(call["started_at"])
        call["local_day"] = started.astimezone(zone).date()
    return [call for call in found if first <= call["local_day"] <= last]


def interval_of(day: date, starts: list[str]) -> str:
    return [start for start in starts if date.fromisoformat(start) <= day][-1]


def figures_by(listed: list[dict[str, Any]], key_of: Any) -> dict[Any, dict[str, Any]]:
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for call in listed:
        grouped[key_of(call)].append(call)
    return {key: independent(calls) for key, calls in grouped.items()}


def independent(calls: list[dict[str, Any]]) -> dict[str, Any]:
    waits = [call["wait_seconds"] for call in calls if call["wait_seconds"] is not None]
    talks = [
        call["talk_seconds"]
        for call in calls
        if call["disposition"] == "answered" and call["talk_seconds"] is not None
    ]
    return {
        "calls": len(calls),
        "answered": sum(call["disposition"] == "answered" for call in calls),
        "missed": sum(call["disposition"] not in (None, "answered") for call in calls),
        "first_time_callers": sum(call["is_first_call"] for call in calls),
        "unique_callers": len({call["caller"] for call in calls if call["caller"]}),
        "average_wait_seconds": round(sum(waits) / len(waits), 1) if waits else None,
        "average_talk_seconds": round(sum(talks) / len(talks), 1) if talks else None,
    }


def counted(figures: dict[str, Any]) -> dict[str, Any]:
    return {name: figures[name] for name in independent([])}


def sessions_only(body: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    """Groups with visits but no calls: in the report with zero calls."""
    return {
        group["key"]: counted(group["figures"])
        for group in body["groups"]
        if group["figures"]["calls"] == 0
    }


def sessions_in(
    planned_visits: list[Visit], change: datetime, zone: ZoneInfo, first: date, last: date
) -> int:
    days = [
        (change + timedelta(minutes=visit.minutes)).astimezone(zone).date()
        for visit in planned_visits
    ]
    return sum(first <= day <= last for day in days)
