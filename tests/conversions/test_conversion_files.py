"""The conversion files the ad networks fetch: the documented templates, one row per call that
matches a definition and came from the network's click, behind the project's basic auth."""

from __future__ import annotations

from datetime import timedelta

from tests.conversions.conftest import define, fetch, issue, now, parsed
from tests.support.call_rows import CallRows
from tests.support.people import World

HOUR = timedelta(hours=1)


def test_the_google_file_has_the_documented_header_and_a_row_per_gclid_call(
    world: World, rows: CallRows
) -> None:
    define(world, name="Phone call", value="120.50", currency="eur")
    start = now() - 2 * HOUR
    clicked = rows.session(start - HOUR, gclid="Cj0KCQiA-x_1")
    first = rows.call(start, session=clicked)
    second = rows.call(start + HOUR, session=clicked)
    rows.call(start, session=rows.session(start - HOUR))  # no click id: no row
    rows.call(start, session=rows.session(start - HOUR, msclkid="f894f652ea334e73"))
    rows.call(start)  # unattributed
    credentials = issue(world)

    response = fetch(world, "google-ads.csv", credentials)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    found = parsed(response.text, "Google Click ID")
    assert found == [
        {
            "Google Click ID": "Cj0KCQiA-x_1",
            "Conversion Name": "Phone call",
            "Conversion Time": moment.strftime("%Y-%m-%d %H:%M:%S"),
            "Conversion Value": "120.50",
            "Conversion Currency": "EUR",
        }
        for moment in (start, start + HOUR)
    ]
    assert first != second


def test_the_microsoft_file_carries_the_msclkid_calls(world: World, rows: CallRows) -> None:
    define(world, name="Call from Bing")
    start = now() - HOUR
    rows.call(start, session=rows.session(start - HOUR, msclkid="f894f652ea334e739002f7167ab8f8e3"))
    rows.call(start, session=rows.session(start - HOUR, gclid="Cj0KCQ"))

    found = parsed(fetch(world, "microsoft-ads.csv", issue(world)).text, "Microsoft Click ID")

    assert [(row["Microsoft Click ID"], row["Conversion Name"]) for row in found] == [
        ("f894f652ea334e739002f7167ab8f8e3", "Call from Bing")
    ]
    assert (found[0]["Conversion Value"], found[0]["Conversion Currency"]) == ("", "")


def test_each_definition_counts_only_the_calls_its_filters_let_through(
    world: World, rows: CallRows
) -> None:
    define(world, name="Any call")
    define(world, name="Answered", answered_only=True)
    define(world, name="Talked a minute", min_talk_seconds=60)
    define(world, name="New caller", first_call_only=True)
    define(world, name="Switched off", enabled=False)
    start = now() - 3 * HOUR
    answered_at = start + timedelta(seconds=10)

    def call(click: str, minutes: int, **fields: object) -> None:
        session = rows.session(start - HOUR, gclid=click)
        rows.call(start + timedelta(minutes=minutes), session=session, **fields)

    call("missed", 0, disposition="no_answer", is_first_call=True)
    call("short", 1, answered_at=answered_at, talk_seconds=59, is_first_call=False)
    call("long", 2, answered_at=answered_at, talk_seconds=60, is_first_call=False)
    call("talking", 3, answered_at=answered_at, talk_seconds=None, is_first_call=True)

    found = parsed(fetch(world, "google-ads.csv", issue(world)).text, "Google Click ID")

    by_name: dict[str, list[str]] = {}
    for row in found:
        by_name.setdefault(row["Conversion Name"], []).append(row["Google Click ID"])
    assert by_name == {
        "Any call": ["missed", "short", "long", "talking"],
        "Answered": ["short", "long", "talking"],
        "Talked a minute": ["long"],
        "New caller": ["missed", "talking"],
    }


def test_calls_and_clicks_older_than_90_days_and_mangled_click_ids_are_not_rows(
    world: World, rows: CallRows
) -> None:
    define(world)
    recent = now() - HOUR
    rows.call(now() - timedelta(days=91), session=rows.session(recent, gclid="old_call"))
    rows.call(recent, session=rows.session(now() - timedelta(days=91), gclid="old_click"))
    rows.call(recent, session=rows.session(recent - HOUR, gclid="=HYPERLINK(x)"))
    rows.call(recent, session=rows.session(recent - HOUR, gclid="fresh"))
    ambiguous = rows.session(recent - HOUR, gclid="ambiguous")
    rows.call(recent, session=ambiguous, attribution="ambiguous")

    found = parsed(fetch(world, "google-ads.csv", issue(world)).text, "Google Click ID")

    assert [row["Google Click ID"] for row in found] == ["fresh"]


def test_a_project_without_definitions_serves_the_header_alone(
    world: World, rows: CallRows
) -> None:
    rows.call(now() - HOUR, session=rows.session(now() - 2 * HOUR, gclid="Cj0"))

    response = fetch(world, "google-ads.csv", issue(world))

    assert parsed(response.text, "Google Click ID") == []


def test_the_api_downloads_a_file_with_a_token_and_hides_it_from_outsiders(
    world: World, rows: CallRows
) -> None:
    define(world)
    rows.call(now() - HOUR, session=rows.session(now() - 2 * HOUR, wbraid="x", gclid="Cj0"))
    url = f"/api/v1/projects/{world.project_id}/ads-conversions/files/google.csv"

    response = world.member.client.get(url)

    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment;")
    assert [row["Google Click ID"] for row in parsed(response.text, "Google Click ID")] == ["Cj0"]
    assert world.outsider.client.get(url).status_code == 404
    assert world.anonymous.get(url).status_code == 401
    unknown = world.owner.client.get(url.replace("google.csv", "yahoo.csv"))
    assert unknown.status_code == 422
    assert "network" in unknown.text
