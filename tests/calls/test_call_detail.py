"""/api/v1/projects/{id}/calls/{call_id}: every field, events, and the visit up to the call."""

from __future__ import annotations

from datetime import timedelta

from tests.support.call_rows import CALLER, NOW, TRACKING_NUMBER, CallRows, entity_snapshot
from tests.support.people import World

HOME = "https://shop.example.com/"


def detail(world: World, call_id: int) -> dict[str, object]:
    response = world.owner.client.get(f"/api/v1/projects/{world.project_id}/calls/{call_id}")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_it_shows_every_field_with_sessions_by_their_keys(world: World, rows: CallRows) -> None:
    session = rows.session(utm_source="newsletter")
    other = rows.session()
    visit = {"utm_source": "newsletter", "page_url": HOME + "contacts"}
    snapshot = {"visit_id": entity_snapshot("crm-42")}
    call_id = rows.call(
        NOW,
        session=session,
        attribution="ambiguous",
        candidate_session_ids=[other.id],
        answered_at=NOW + timedelta(seconds=7),
        ended_at=NOW + timedelta(seconds=67),
        wait_seconds=7,
        talk_seconds=60,
        duration_seconds=67,
        disposition="answered",
        destination="+442079460000",
        recording_url="https://telephony.example/rec/1.mp3",
        is_first_call=False,
        visit=visit,
        entities=snapshot,
    )

    body = detail(world, call_id)

    assert body["session_id"] == session.key
    assert body["visitor_id"] == session.visitor_key
    assert body["candidate_session_ids"] == [other.key]
    assert (body["caller"], body["tracking_number"]) == (CALLER, TRACKING_NUMBER)
    assert body["started_at"] == "2026-11-27T12:00:00Z"
    assert body["ended_at"] == "2026-11-27T12:01:07Z"
    assert (body["wait_seconds"], body["talk_seconds"], body["duration_seconds"]) == (7, 60, 67)
    assert (body["disposition"], body["attribution"], body["insertion_type"]) == (
        "answered",
        "ambiguous",
        "dynamic",
    )
    assert body["is_first_call"] is False
    assert body["visit"] == visit
    assert body["entities"] == snapshot
    assert body["direction"] == "incoming"
    assert body["provider"] == "api"


def test_it_lists_the_events_in_the_order_they_happened(world: World, rows: CallRows) -> None:
    call_id = rows.call(NOW)
    rows.event(call_id, "ended", NOW + timedelta(seconds=30))
    rows.event(call_id, "started", NOW)

    events = detail(world, call_id)["events"]

    assert events == [
        {"event": "started", "at": "2026-11-27T12:00:00Z", "received_at": "2026-11-27T12:00:01Z",
         "note": None},
        {"event": "ended", "at": "2026-11-27T12:00:30Z", "received_at": "2026-11-27T12:00:31Z",
         "note": None},
    ]  # fmt: skip


def test_the_trail_stops_at_the_call_start(world: World, rows: CallRows) -> None:
    visit_id = rows.entity("visit_id")
    offer = rows.entity("offer", scope="page_view")
    session = rows.session(started_at=NOW - timedelta(minutes=5))
    home = rows.page_view(session, HOME, NOW - timedelta(minutes=5))
    rows.observe(session, visit_id, "crm-41", NOW - timedelta(minutes=5), home)
    contacts = rows.page_view(session, HOME + "contacts", NOW - timedelta(minutes=1))
    rows.observe(session, offer, "spring", NOW - timedelta(minutes=1), contacts)
    rows.observe(session, visit_id, "crm-42", NOW, contacts)  # at the very start: included
    after = rows.page_view(session, HOME + "thanks", NOW + timedelta(minutes=1))
    rows.observe(session, visit_id, "crm-43", NOW + timedelta(seconds=1), after)
    call_id = rows.call(NOW, session=session)

    trail = detail(world, call_id)["trail"]

    assert isinstance(trail, dict)
    assert [view["url"] for view in trail["page_views"]] == [HOME, HOME + "contacts"]
    assert [view["values"] for view in trail["page_views"]] == [{}, {"offer": "spring"}]
    history = [(item["entity"], item["value"]) for item in trail["entity_history"]]
    assert history == [("visit_id", "crm-41"), ("offer", "spring"), ("visit_id", "crm-42")]


def test_an_unattributed_call_has_an_empty_trail(world: World, rows: CallRows) -> None:
    call_id = rows.call(NOW, attribution="none")

    body = detail(world, call_id)

    assert body["trail"] == {"page_views": [], "entity_history": []}
    assert (body["session_id"], body["visitor_id"]) == (None, None)
    assert body["visit"] == {}


def test_owner_member_and_superuser_see_a_call(world: World, rows: CallRows) -> None:
    call_id = rows.call()
    url = f"/api/v1/projects/{world.project_id}/calls/{call_id}"

    for person in (world.owner, world.member, world.superuser):
        assert person.client.get(url).json()["id"] == call_id


def test_other_accounts_and_unknown_calls_are_not_found(world: World, rows: CallRows) -> None:
    call_id = rows.call()
    url = f"/api/v1/projects/{world.project_id}/calls"

    assert world.outsider.client.get(f"{url}/{call_id}").status_code == 404
    assert world.anonymous.get(f"{url}/{call_id}").status_code == 401
    assert world.owner.client.get(f"{url}/{call_id + 1}").status_code == 404
    other = f"/api/v1/projects/{world.other_project_id}/calls/{call_id}"
    assert world.outsider.client.get(other).status_code == 404


def test_a_call_id_beyond_32_bits_is_a_422(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}/calls/{2**31}"
    response = world.owner.client.get(url)

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "call_id"
