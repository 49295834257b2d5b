"""Exporting a data subject's data as JSON: everything stored about them, by the same
selectors as an erasure (docs/privacy.md, "Erasure and export")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.subjects.conftest import Site
from tests.support.collector import Visit

CALLER = "+380671234501"


def export(site: Site, kind: str, value: str) -> dict[str, Any]:
    response = site.world.owner.client.post(
        f"/api/v1/projects/{site.world.project_id}/data-subjects/export",
        json={"kind": kind, "value": value},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_it_exports_the_visits_values_and_calls_of_a_visitor(site: Site) -> None:
    subject = site.subject(CALLER)
    site.subject("+380671234502")

    found = export(site, "visitor", subject.visit.visitor)

    assert [visitor["id"] for visitor in found["visitors"]] == [subject.visit.visitor]
    (session,) = found["sessions"]
    assert session["id"] == subject.visit.session
    assert session["ga_client_id"] == subject.ga_client_id
    assert [view["url"] for view in session["page_view_list"]] == [
        f"https://shop.example.com/order?ref={subject.marker}",
        "https://shop.example.com/contacts",
    ]
    assert session["entity_values"]["visit_id"]["value"] == f"v2-{subject.marker}"
    assert [item["value"] for item in session["entity_history"]] == [
        f"v-{subject.marker}",
        f"v2-{subject.marker}",
    ]
    (call,) = found["calls"]
    assert call["caller"] == CALLER
    assert call["visit"]["session_id"] == subject.visit.session
    assert [event["event"] for event in call["events"]] == ["started", "ended"]


def test_a_caller_finds_their_calls_and_the_visits_they_came_from(site: Site) -> None:
    subject = site.subject(CALLER)

    found = export(site, "caller", CALLER)

    assert [session["id"] for session in found["sessions"]] == [subject.visit.session]
    assert [call["caller"] for call in found["calls"]] == [CALLER]


@pytest.mark.parametrize("kind", ["visitor", "session", "ga_client_id", "caller"])
def test_each_selector_exports_the_same_subject_and_nobody_else(site: Site, kind: str) -> None:
    subject = site.subject(CALLER)
    site.subject("+380671234502")
    value = {
        "visitor": subject.visit.visitor,
        "session": subject.visit.session,
        "ga_client_id": subject.ga_client_id,
        "caller": CALLER,
    }[kind]

    found = export(site, kind, value)

    assert [session["id"] for session in found["sessions"]] == [subject.visit.session]
    assert [call["caller"] for call in found["calls"]] == [CALLER]
    assert found["selector"] == {"kind": kind, "value": value}


def test_nobody_found_is_an_empty_export(site: Site) -> None:
    found = export(site, "ga_client_id", "GA1.1.111.222")

    assert (found["visitors"], found["sessions"], found["calls"]) == ([], [], [])


def test_a_page_view_acknowledged_a_moment_ago_is_exported(site: Site) -> None:
    visit = Visit(site.world.base_url, site.key)
    assert visit.page("https://shop.example.com/just-now", new_session=True).status_code == 200

    found = export(site, "session", visit.session)

    (session,) = found["sessions"]
    assert [view["url"] for view in session["page_view_list"]] == [
        "https://shop.example.com/just-now"
    ]
