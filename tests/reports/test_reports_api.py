"""/api/v1/projects/{id}/reports/calls: figures per group and interval, days in the project's
time zone, the previous period, the CSV, access and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.reports.conftest import by_key, report, set_timezone
from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World

DAY = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def test_it_counts_calls_and_sessions_per_channel(world: World, rows: CallRows) -> None:
    paid = rows.session(DAY, channel="Paid Search", utm_source="google", utm_campaign="winter")
    rows.session(DAY, channel="Paid Search", utm_source="google")
    email = rows.session(DAY, channel="Email", utm_source="newsletter")
    rows.call(DAY, paid, disposition="answered", wait_seconds=10, talk_seconds=60)
    rows.call(DAY, paid, disposition="no_answer", wait_seconds=20, is_first_call=False)
    rows.call(DAY, email, disposition="busy", caller="+442079460002", wait_seconds=3)
    rows.call(DAY, disposition=None, caller=None)  # unattributed, still ringing, withheld

    body = report(world.owner.client, world.project_id, **NOVEMBER)

    groups = by_key(body)
    assert list(groups) == ["Paid Search", "Email", None]
    assert groups["Paid Search"] == {
        "calls": 2,
        "answered": 1,
        "missed": 1,
        "first_time_callers": 1,
        "unique_callers": 1,
        "average_wait_seconds": 15.0,
        "average_talk_seconds": 60.0,
        "sessions": 2,
        "calls_per_100_sessions": 100.0,
    }
    assert groups["Email"]["missed"] == 1
    assert groups["Email"]["sessions"] == 1
    assert groups[None]["calls"] == 1
    assert groups[None]["missed"] == 0
    totals = body["totals"]
    assert (totals["calls"], totals["unique_callers"], totals["sessions"]) == (4, 2, 3)
    assert by_key(body, "calls_filter")["Paid Search"] == {"channel": "Paid Search"}


def test_a_call_belongs_to_the_day_its_local_clock_showed_across_a_dst_change(
    world: World, rows: CallRows, database: Database
) -> None:
    set_timezone(database, world.project_id, "Europe/Kyiv")  # UTC+3 until 25 Oct 01:00 UTC
    rows.call(datetime(2026, 10, 24, 20, 30, tzinfo=UTC))  # 23:30 on the 24th (UTC+3)
    rows.call(datetime(2026, 10, 24, 21, 30, tzinfo=UTC))  # 00:30 on the 25th (UTC+3)
    rows.call(datetime(2026, 10, 25, 21, 30, tzinfo=UTC))  # 23:30 on the 25th (UTC+2)
    rows.call(datetime(2026, 10, 25, 22, 30, tzinfo=UTC))  # 00:30 on the 26th (UTC+2)

    body = report(
        world.owner.client, world.project_id, **{"from": "2026-10-24", "to": "2026-10-26"}
    )

    days = [(item["first_day"], item["total"]["calls"]) for item in body["intervals"]]
    assert days == [("2026-10-24", 1), ("2026-10-25", 2), ("2026-10-26", 1)]
    the_long_day = body["intervals"][1]
    assert (the_long_day["start"], the_long_day["end"]) == (
        "2026-10-24T21:00:00Z",
        "2026-10-25T22:00:00Z",
    )


def test_weeks_start_on_monday_and_months_on_the_first(world: World, rows: CallRows) -> None:
    rows.call(datetime(2026, 11, 1, 12, tzinfo=UTC))  # a Sunday
    rows.call(datetime(2026, 11, 2, 12, tzinfo=UTC))  # the Monday after
    rows.call(datetime(2026, 12, 1, 12, tzinfo=UTC))

    weeks = report(world.owner.client, world.project_id, interval="week", **NOVEMBER)
    months = report(
        world.owner.client,
        world.project_id,
        interval="month",
        **{"from": "2026-10-15", "to": "2026-12-31"},
    )

    assert [item["first_day"] for item in weeks["intervals"]][:2] == ["2026-11-01", "2026-11-02"]
    assert [item["total"]["calls"] for item in weeks["intervals"]][:2] == [1, 1]
    assert [(item["first_day"], item["total"]["calls"]) for item in months["intervals"]] == [
        ("2026-10-15", 0),
        ("2026-11-01", 2),
        ("2026-12-01", 1),
    ]


def test_it_compares_with_the_previous_period_of_the_same_length(
    world: World, rows: CallRows
) -> None:
    google = rows.session(DAY, channel="Paid Search")
    old = rows.session(DAY - timedelta(days=30), channel="Paid Search")
    rows.call(DAY, google)
    rows.call(DAY + timedelta(hours=1), google)
    rows.call(DAY - timedelta(days=30), old)  # 11 October

    body = report(world.owner.client, world.project_id, compare="true", **NOVEMBER)

    assert body["previous_period"] == {"from": "2026-10-02", "to": "2026-10-31"}
    group = body["groups"][0]
    assert (group["figures"]["calls"], group["previous"]["calls"]) == (2, 1)
    assert body["previous_totals"]["calls"] == 1


def test_it_groups_by_campaign_landing_page_entity_and_the_calls_own_fields(
    world: World, rows: CallRows
) -> None:
    first = rows.session(
        DAY, utm_campaign="winter", landing_page="https://shop.example/offer?utm_campaign=winter"
    )
    second = rows.session(DAY, landing_page="https://shop.example/offer#top")
    entity = {"visit_id": {"value": "V-1", "observed_at": None, "page_url": None}}
    rows.call(DAY, first, entities=entity, disposition="answered")
    rows.call(DAY, second, tracking_number="+442079460999", disposition="busy")

    def keys(group_by: str) -> dict[str | None, int]:
        body = report(world.owner.client, world.project_id, group_by=group_by, **NOVEMBER)
        return {group["key"]: group["figures"]["calls"] for group in body["groups"]}

    assert keys("campaign") == {"winter": 1, None: 1}
    assert keys("landing_page") == {"https://shop.example/offer": 2}
    assert keys("entity.visit_id") == {"V-1": 1, None: 1}
    assert keys("tracking_number") == {"+442079460958": 1, "+442079460999": 1}
    assert keys("disposition") == {"answered": 1, "busy": 1}
    assert keys("attribution") == {"session": 2}


def test_a_groups_calls_filter_lists_exactly_its_calls(world: World, rows: CallRows) -> None:
    first = rows.session(DAY, utm_campaign="winter", landing_page="https://shop.example/a?x=1")
    second = rows.session(DAY, utm_medium="email", landing_page="https://shop.example/b")
    winter = rows.call(DAY, first)
    mail = rows.call(DAY + timedelta(minutes=1), second)

    for group_by in ("channel", "campaign", "medium", "landing_page"):
        body = report(world.owner.client, world.project_id, group_by=group_by, **NOVEMBER)
        for group in body["groups"]:
            if group["calls_filter"] is None:
                continue
            listed = world.owner.client.get(
                f"/api/v1/projects/{world.project_id}/calls", params=group["calls_filter"]
            ).json()["items"]
            assert len(listed) == group["figures"]["calls"], (group_by, group)
            assert {item["id"] for item in listed} <= {winter, mail}


def test_the_csv_holds_the_group_table_with_hostile_names_made_safe(
    world: World, rows: CallRows
) -> None:
    hostile = rows.session(DAY, utm_campaign='=HYPERLINK("http://evil")')
    rows.call(DAY, hostile)

    response = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/reports/calls.csv",
        params={"group_by": "campaign", "compare": "true", **NOVEMBER},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("campaign,calls,answered,missed,")
    assert "previous_calls" in lines[0]
    assert lines[1].startswith('"\'=HYPERLINK(""http://evil"")",1,')


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"interval": "hour"}, "interval"),
        ({"group_by": "colour"}, "group_by"),
        ({"group_by": "entity.1bad"}, "group_by"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "to"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2000-01-01", "to": "2026-11-01"}, "interval"),
        ({"disposition": "maybe"}, "disposition"),
        ({"utm_campaign": "a\x00b"}, "utm_campaign"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_parameters_are_a_422_naming_the_parameter(
    world: World, params: dict[str, str], field: str
) -> None:
    response = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/reports/calls", params=params
    )

    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["field"] == field


@pytest.mark.storage_agnostic
def test_it_needs_a_token_and_a_project_of_ones_own(world: World) -> None:
    path = f"/api/v1/projects/{world.project_id}/reports/calls"

    assert world.anonymous.get(path).status_code == 401
    assert world.outsider.client.get(path).status_code == 404
    assert world.member.client.get(path).status_code == 200
    assert world.outsider.client.get(path + ".csv").status_code == 404


@pytest.mark.storage_agnostic
def test_without_dates_it_reports_the_last_30_days_with_today(world: World) -> None:
    body = report(world.owner.client, world.project_id)

    period = body["period"]
    first = datetime.fromisoformat(period["from"])
    last = datetime.fromisoformat(period["to"])
    assert (last - first).days == 29
    assert len(body["intervals"]) == 30
