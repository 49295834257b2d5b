"""/api/v1/projects/{id}/calls: recent first, every filter, paging, access, bad parameters."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import pytest

from tests.support.call_rows import NOW, CallRows, entity_snapshot
from tests.support.people import World


def calls(world: World, **params: Any) -> list[int]:
    response = world.owner.client.get(f"/api/v1/projects/{world.project_id}/calls", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def refusal(world: World, **params: Any) -> str:
    response = world.owner.client.get(f"/api/v1/projects/{world.project_id}/calls", params=params)
    assert response.status_code == 422, response.text
    fields: list[str] = [problem["field"] for problem in response.json()["fields"]]
    return fields[0]


def test_it_lists_the_most_recent_call_first_whatever_the_arrival_order(
    world: World, rows: CallRows
) -> None:
    later = rows.call(NOW)
    earlier = rows.call(NOW - timedelta(hours=1))

    assert calls(world) == [later, earlier]


def test_it_filters_by_time_range_from_inclusive_to_exclusive(world: World, rows: CallRows) -> None:
    first = rows.call(NOW - timedelta(hours=2))
    second = rows.call(NOW - timedelta(hours=1))
    rows.call(NOW)

    window = {"from": (NOW - timedelta(hours=2)).isoformat(), "to": NOW.isoformat()}
    assert calls(world, **window) == [second, first]
    # The same instant written with another offset.
    kyiv = (NOW - timedelta(hours=1)).astimezone(timezone(timedelta(hours=2))).isoformat()
    assert calls(world, **{"from": kyiv, "to": NOW.isoformat()}) == [second]


def test_it_filters_by_one_or_several_attributions(world: World, rows: CallRows) -> None:
    session_call = rows.call(NOW, attribution="session")
    late_call = rows.call(NOW - timedelta(minutes=1), attribution="late")
    rows.call(NOW - timedelta(minutes=2), attribution="none")

    assert calls(world, attribution="late") == [late_call]
    assert calls(world, attribution=["session", "late"]) == [session_call, late_call]
    assert calls(world, attribution="session,late") == [session_call, late_call]


def test_it_filters_by_disposition(world: World, rows: CallRows) -> None:
    answered = rows.call(NOW, disposition="answered")
    busy = rows.call(NOW - timedelta(minutes=1), disposition="busy")
    rows.call(NOW - timedelta(minutes=2))

    assert calls(world, disposition="busy") == [busy]
    assert calls(world, disposition="answered,busy") == [answered, busy]


def test_it_filters_by_utm_source_in_the_visit_snapshot(world: World, rows: CallRows) -> None:
    newsletter = rows.call(NOW, visit={"utm_source": "newsletter", "page_url": "https://a/"})
    rows.call(NOW - timedelta(minutes=1), visit={"utm_source": "google"})
    rows.call(NOW - timedelta(minutes=2), visit={})

    assert calls(world, utm_source="newsletter") == [newsletter]
    assert calls(world, utm_source="bing") == []


def test_source_finds_a_utm_source_or_a_static_label(world: World, rows: CallRows) -> None:
    newsletter = rows.call(NOW, visit={"utm_source": "newsletter"})
    billboard = rows.call(NOW - timedelta(minutes=1), attribution="static",
                          source_label="Billboard A40")  # fmt: skip
    rows.call(NOW - timedelta(minutes=2), visit={"utm_source": "google"})

    assert calls(world, source="newsletter") == [newsletter]
    assert calls(world, source="Billboard A40") == [billboard]
    assert calls(world, source="Billboard") == []
    assert refusal(world, source="a\x00b") == "source"


@pytest.mark.parametrize("spelling", ["+442079460958", "+44 20 7946 0958", "+44 (0)20-7946-0958"])
def test_it_finds_a_tracking_number_by_any_spelling(
    world: World, rows: CallRows, spelling: str
) -> None:
    wanted = rows.call(NOW, tracking_number="+442079460958")
    rows.call(NOW - timedelta(minutes=1), tracking_number="+442079460959")

    assert calls(world, tracking_number=spelling) == [wanted]


def test_it_reads_national_spellings_with_the_projects_country(
    world: World, rows: CallRows
) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    assert world.owner.client.patch(url, json={"country": "GB"}).status_code == 200
    wanted = rows.call(NOW, caller="+442079460123")
    rows.call(NOW - timedelta(minutes=1), caller="+442079460124")

    assert calls(world, caller="020 7946 0123") == [wanted]


def test_it_filters_by_entity_and_value_in_the_snapshot(world: World, rows: CallRows) -> None:
    crm42 = rows.call(NOW, entities={"visit_id": entity_snapshot("crm-42")})
    crm43 = rows.call(NOW - timedelta(minutes=1), entities={"visit_id": entity_snapshot("crm-43")})
    rows.call(NOW - timedelta(minutes=2), entities={"visit_id": entity_snapshot(None)})
    rows.call(NOW - timedelta(minutes=3), entities={})

    assert calls(world, entity="visit_id", value="crm-42") == [crm42]
    assert calls(world, entity="visit_id") == [crm42, crm43]
    assert calls(world, entity="other") == []


def test_it_filters_by_session_id(world: World, rows: CallRows) -> None:
    session = rows.session()
    attributed = rows.call(NOW, session=session)
    rows.call(NOW - timedelta(minutes=1), session=rows.session())
    rows.call(NOW - timedelta(minutes=2))

    assert calls(world, session_id=session.key) == [attributed]
    assert calls(world, session_id="no-such-session") == []


def test_it_combines_filters(world: World, rows: CallRows) -> None:
    visit = {"utm_source": "newsletter"}
    snapshot = {"visit_id": entity_snapshot("crm-42")}
    wanted = rows.call(
        NOW, attribution="session", disposition="answered", visit=visit, entities=snapshot
    )
    rows.call(NOW, attribution="late", disposition="answered", visit=visit, entities=snapshot)
    rows.call(NOW, attribution="session", disposition="busy", visit=visit, entities=snapshot)
    rows.call(NOW, attribution="session", disposition="answered", visit={}, entities=snapshot)
    rows.call(NOW, attribution="session", disposition="answered", visit=visit, entities={})
    rows.call(
        NOW - timedelta(days=2),
        attribution="session",
        disposition="answered",
        visit=visit,
        entities=snapshot,
    )

    found = calls(
        world,
        attribution="session",
        disposition="answered",
        utm_source="newsletter",
        entity="visit_id",
        value="crm-42",
        **{"from": (NOW - timedelta(days=1)).isoformat()},
    )
    assert found == [wanted]


def test_it_pages_without_duplicates_or_gaps(world: World, rows: CallRows) -> None:
    # Ids and times in different orders, and several calls at the same instant.
    times = [NOW - timedelta(minutes=minutes) for minutes in (5, 1, 3, 3, 3, 0, 7)]
    made = [rows.call(at) for at in times]
    url = f"/api/v1/projects/{world.project_id}/calls"

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = world.owner.client.get(url, params=params).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    expected = [call for _, call in sorted(zip(times, made, strict=True), reverse=True)]
    assert seen == expected
    assert pages == 4


def test_owner_member_and_superuser_read_the_calls(world: World, rows: CallRows) -> None:
    call = rows.call()
    url = f"/api/v1/projects/{world.project_id}/calls"

    for person in (world.owner, world.member, world.superuser):
        response = person.client.get(url)
        assert response.status_code == 200, person.email
        assert [item["id"] for item in response.json()["items"]] == [call]


def test_another_account_and_no_token_get_nothing(world: World, rows: CallRows) -> None:
    rows.call()
    url = f"/api/v1/projects/{world.project_id}/calls"

    assert world.outsider.client.get(url).status_code == 404
    assert world.anonymous.get(url).status_code == 401
    assert world.outsider.client.get(f"{url}.csv").status_code == 404
    assert world.anonymous.get(f"{url}.csv").status_code == 401


def test_the_outsiders_own_project_does_not_show_acmes_calls(world: World, rows: CallRows) -> None:
    rows.call()
    url = f"/api/v1/projects/{world.other_project_id}/calls"

    assert world.outsider.client.get(url).json()["items"] == []


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-11-27T12:00:00"}, "from"),  # no offset: which 12:00?
        ({"to": "2026-13-01T00:00:00Z"}, "to"),
        ({"from": "2026-11-27T12:00:00Z", "to": "2026-11-27T11:00:00Z"}, "to"),
        ({"attribution": "sessions"}, "attribution"),
        ({"attribution": "session,"}, "attribution"),
        ({"disposition": "hung_up"}, "disposition"),
        ({"tracking_number": "not a number"}, "tracking_number"),
        ({"tracking_number": "020 7946 0958"}, "tracking_number"),  # national, no country set
        ({"caller": "+1"}, "caller"),
        ({"entity": "visit-id"}, "entity"),
        ({"value": "crm-42"}, "value"),
        ({"cursor": "0"}, "cursor"),
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": "12345"}, "cursor"),  # not a call of this project
        ({"limit": "201"}, "limit"),
        ({"session_id": "x" * 65}, "session_id"),
        ({"session_id": "a\x00b"}, "session_id"),
        ({"utm_source": "a\x00b"}, "utm_source"),
        ({"entity": "visit_id", "value": "\x00"}, "value"),
    ],
)
def test_bad_parameters_are_a_422_naming_the_parameter(
    world: World, params: dict[str, str], field: str
) -> None:
    assert refusal(world, **params) == field


def test_the_cursor_of_another_projects_call_is_refused(world: World, database: Any) -> None:
    other = CallRows(database, world.other_project_id).call()

    assert refusal(world, cursor=str(other)) == "cursor"


def test_a_plus_lost_in_the_query_string_is_explained(world: World) -> None:
    # Typed into a URL by hand, 11:00:00+02:00 arrives as "11:00:00 02:00".
    url = f"/api/v1/projects/{world.project_id}/calls?from=2026-11-27T11:00:00+02:00"

    response = world.owner.client.get(url)

    assert response.status_code == 422
    (problem,) = response.json()["fields"]
    assert problem["field"] == "from"
    assert "must be written %2B" in problem["message"]
