"""POST /c/{key}/pageview: sessions, sources and page views, committed before the 2xx."""

from __future__ import annotations

from typing import Any

from tests.support.collector import Visit, client_id
from tests.support.people import World

LANDING = (
    "https://shop.example.com/offer?utm_source=google&utm_medium=cpc&utm_campaign=winter"
    "&utm_content=banner&utm_term=sofa&gclid=Cj0KCQ&fbclid=IwAR&yclid=123"
)


def session_of(world: World, visit: Visit) -> dict[str, Any]:
    response = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/sessions/{visit.session}"
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_ios_and_microsoft_click_ids_of_the_landing_page_are_kept(
    world: World, visit: Visit
) -> None:
    landing = "https://shop.example.com/?gbraid=0AAAAAo&wbraid=CkAKCQ&msclkid=f894f652ea33"

    assert visit.page(landing, new_session=True).status_code == 200

    session = session_of(world, visit)
    assert (session["gbraid"], session["wbraid"], session["msclkid"]) == (
        "0AAAAAo",
        "CkAKCQ",
        "f894f652ea33",
    )
    assert session["gclid"] is None
    assert session["channel"] == "Paid Search"


def test_a_first_page_view_starts_a_session_with_its_sources(world: World, visit: Visit) -> None:
    response = visit.page(
        LANDING,
        referrer="https://www.google.com/",
        ga="GA1.1.1234567890.1700000000",
        new_session=True,
    )

    assert response.status_code == 200
    assert response.json() == {"number": None}
    assert response.headers["access-control-allow-origin"] == visit.origin
    session = session_of(world, visit)
    assert session["visitor_id"] == visit.visitor
    assert session["landing_page"] == LANDING
    assert session["referrer"] == "https://www.google.com/"
    assert (session["utm_source"], session["utm_medium"], session["utm_campaign"]) == (
        "google",
        "cpc",
        "winter",
    )
    assert (session["utm_content"], session["utm_term"]) == ("banner", "sofa")
    assert (session["gclid"], session["fbclid"], session["yclid"]) == ("Cj0KCQ", "IwAR", "123")
    assert session["ga_client_id"] == "1234567890.1700000000"
    assert session["ip"] == "127.0.0.0"
    assert session["page_views"] == 1
    assert session["channel"] == "Paid Search"


def test_later_pages_join_the_session_without_changing_its_sources(
    world: World, visit: Visit
) -> None:
    visit.page(LANDING)
    visit.page("https://shop.example.com/contacts?utm_source=other")

    session = session_of(world, visit)
    assert session["page_views"] == 2
    assert session["utm_source"] == "google"
    assert [view["url"] for view in session["page_view_list"]] == [
        LANDING,
        "https://shop.example.com/contacts?utm_source=other",
    ]


def test_the_same_page_view_sent_twice_is_recorded_once(world: World, visit: Visit) -> None:
    visit.page("https://shop.example.com/", values={"visit_id": "a"})
    again = visit.post(
        "pageview", {**visit.ids(), "url": "https://shop.example.com/", "values": {"visit_id": "a"}}
    )

    assert again.status_code == 200
    session = session_of(world, visit)
    assert session["page_views"] == 1
    assert len(session["entity_history"]) == 1


def test_a_ga_cookie_set_after_the_first_page_arrives_with_a_ping(
    world: World, visit: Visit
) -> None:
    visit.page("https://shop.example.com/")
    assert session_of(world, visit)["ga_client_id"] is None

    assert visit.ping(ga="GA1.2.555.666").status_code == 204

    assert session_of(world, visit)["ga_client_id"] == "555.666"


def test_a_ping_for_an_unknown_session_is_404(visit: Visit) -> None:
    response = visit.ping({"visit_id": "x"})
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_session"


def test_a_visitor_keeps_its_id_across_sessions(world: World, visit: Visit) -> None:
    visit.page("https://shop.example.com/")
    second = Visit(visit.base_url, visit.key, visitor=visit.visitor, session=client_id())
    second.page("https://shop.example.com/")

    listed = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/sessions", params={"visitor": visit.visitor}
    ).json()["items"]
    assert sorted(item["id"] for item in listed) == sorted([visit.session, second.session])


def test_an_overgrown_ga_cookie_does_not_lose_the_page_view(world: World, visit: Visit) -> None:
    response = visit.page("https://shop.example.com/", ga="GA1.1." + "9" * 500 + ".123.456")

    assert response.status_code == 200
    assert session_of(world, visit)["ga_client_id"] == "123.456"


ANALYTICS: dict[str, Any] = {
    "ga_session_id": "1764921600",
    "ga_session_number": 3,
    "matomo_visitor_id": "5f2c9a1e0b7d4c38",
}


def test_the_session_keeps_ga4s_session_and_matomos_visitor_id(world: World, visit: Visit) -> None:
    visit.page("https://shop.example.com/", **ANALYTICS)

    session = session_of(world, visit)
    assert {name: session[name] for name in ANALYTICS} == ANALYTICS


def test_analytics_ids_set_later_arrive_with_a_ping_and_the_newest_wins(
    world: World, visit: Visit
) -> None:
    visit.page("https://shop.example.com/")
    assert {session_of(world, visit)[name] for name in ANALYTICS} == {None}

    assert visit.ping(**ANALYTICS).status_code == 204
    assert visit.ping(ga_session_id="1764925200", ga_session_number=4).status_code == 204
    visit.page("https://shop.example.com/contacts")  # without them: what came before stays

    session = session_of(world, visit)
    assert (session["ga_session_id"], session["ga_session_number"]) == ("1764925200", 4)
    assert session["matomo_visitor_id"] == "5f2c9a1e0b7d4c38"
