"""/api/v1/projects/{id}/sessions: recent first, filters, paging, detail, access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.collector import Visit, client_id
from tests.support.people import World

HOME = "https://shop.example.com/"


def sessions(world: World, **params: Any) -> list[str]:
    response = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/sessions", params=params
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def new_visit(visit: Visit) -> Visit:
    return Visit(visit.base_url, visit.key)


def test_it_lists_the_most_recent_session_first(world: World, visit: Visit) -> None:
    older, newer = visit, new_visit(visit)
    older.page(HOME)
    newer.page(HOME)

    assert sessions(world) == [newer.session, older.session]


def test_it_filters_by_entity_value_and_ga_client_id(world: World, visit: Visit) -> None:
    other = new_visit(visit)
    visit.page(HOME, {"visit_id": "crm-42"}, ga="GA1.1.11.22")
    other.page(HOME, {"visit_id": "crm-43"}, ga="GA1.1.33.44")

    assert sessions(world, entity="visit_id", value="crm-42") == [visit.session]
    assert sessions(world, entity="visit_id") == [other.session, visit.session]
    assert sessions(world, ga_client_id="33.44") == [other.session]
    assert sessions(world, entity="nothing") == []


def test_it_filters_by_time(world: World, visit: Visit) -> None:
    visit.page(HOME)
    now = datetime.now(UTC)

    assert sessions(world, since=(now - timedelta(minutes=5)).isoformat()) == [visit.session]
    assert sessions(world, since=(now + timedelta(minutes=5)).isoformat()) == []
    assert sessions(world, until=(now - timedelta(minutes=5)).isoformat()) == []


def test_it_pages_with_a_cursor(world: World, visit: Visit) -> None:
    visits = [new_visit(visit) for _ in range(5)]
    for each in visits:
        each.page(HOME)
    url = f"/api/v1/projects/{world.project_id}/sessions"

    first = world.owner.client.get(url, params={"limit": 2}).json()
    second = world.owner.client.get(url, params={"limit": 2, "cursor": first["next_cursor"]})
    last = world.owner.client.get(url, params={"limit": 10, "cursor": second.json()["next_cursor"]})

    seen = [item["id"] for page in (first, second.json(), last.json()) for item in page["items"]]
    assert seen == [each.session for each in reversed(visits)]
    assert last.json()["next_cursor"] is None


def test_a_value_without_an_entity_is_a_clear_422(world: World) -> None:
    response = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/sessions", params={"value": "x"}
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "value"


def test_the_list_shows_each_sessions_entity_values(world: World, visit: Visit) -> None:
    visit.page(HOME, {"visit_id": "v-1"})

    item = world.owner.client.get(f"/api/v1/projects/{world.project_id}/sessions").json()["items"][
        0
    ]

    assert item["entities"] == {"visit_id": "v-1"}
    assert item["visitor_id"] == visit.visitor


def test_an_unknown_session_is_404(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}/sessions/{client_id()}"
    assert world.owner.client.get(url).status_code == 404


def test_another_accounts_sessions_are_not_found(world: World, visit: Visit) -> None:
    visit.page(HOME)
    url = f"/api/v1/projects/{world.project_id}/sessions"

    assert world.outsider.client.get(url).status_code == 404
    assert world.outsider.client.get(f"{url}/{visit.session}").status_code == 404
    assert world.anonymous.get(url).status_code == 401
    other = f"/api/v1/projects/{world.other_project_id}/sessions/{visit.session}"
    assert world.outsider.client.get(other).status_code == 404


def test_a_member_sees_the_sessions(world: World, visit: Visit) -> None:
    visit.page(HOME)
    url = f"/api/v1/projects/{world.project_id}/sessions/{visit.session}"
    assert world.member.client.get(url).json()["id"] == visit.session
