"""Calls journal: times in the project's zone, the filters, paging, the CSV link with the same
filters, and a call's page (snapshots, visit trail, candidates, events, safe links)."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

import pytest

from dialtrail.calls.adapters.pbx.recording import INFERRED
from tests.admin.conftest import SignedIn
from tests.support.call_rows import NOW, CallRows, entity_snapshot
from tests.support.databases import Database
from tests.support.people import World

HOME = "https://shop.example.com/"


@pytest.fixture
def rows(world: World, database: Database) -> CallRows:
    return CallRows(database, world.project_id)


def in_kyiv(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    assert world.owner.client.patch(url, json={"timezone": "Europe/Kyiv"}).status_code == 200


def call_links(page: str) -> list[str]:
    """The journal's rows, as the time each links with."""
    return re.findall(r'<a href="/admin/projects/\d+/calls/\d+">([^<]+)</a>', page)


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no error at {field}"
    return html.unescape(found.group(1))


def test_the_journal_shows_calls_in_the_projects_time_zone(
    world: World, owner: SignedIn, rows: CallRows
) -> None:
    in_kyiv(world)
    rows.entity("visit_id")
    session = rows.session()
    rows.call(
        NOW,
        session=session,
        disposition="answered",
        duration_seconds=125,
        visit={"utm_source": "newsletter", "channel": "Email"},
        entities={"visit_id": entity_snapshot("crm-42")},
    )
    rows.call(NOW - timedelta(hours=1), attribution="static", source_label="Billboard A40")

    page = owner.client.get(f"{owner.project}/calls").text

    assert call_links(page) == ["2026-11-27 14:00:00", "2026-11-27 13:00:00"]
    assert "Times and days are in Europe/Kyiv." in page
    assert re.findall(r'data-testid="source">([^<]*)<', page) == ["newsletter", "Billboard A40"]
    assert re.findall(r'data-testid="channel">([^<]*)<', page) == ["Email"]
    assert "<td>2:05</td>" in page
    assert re.findall(r'data-testid="entity-value">([^<]*)<', page) == ["crm-42"]


def test_the_filters_narrow_the_journal(world: World, owner: SignedIn, rows: CallRows) -> None:
    in_kyiv(world)
    rows.entity("visit_id")
    session = rows.session()
    rows.call(NOW, session=session, disposition="answered", visit={"utm_source": "google"},
              entities={"visit_id": entity_snapshot("a-1")})  # fmt: skip
    rows.call(NOW - timedelta(hours=2), disposition="no_answer", attribution="static",
              source_label="Radio")  # fmt: skip
    # 23:30 UTC on the 27th is 01:30 on the 28th in Kyiv: a day filter uses the project's days.
    rows.call(NOW + timedelta(hours=11, minutes=30), disposition="busy")

    def shown(**filters: str) -> list[str]:
        response = owner.client.get(f"{owner.project}/calls", params=filters)
        assert response.status_code == 200, response.text
        return call_links(response.text)

    assert shown(attribution="session") == ["2026-11-27 14:00:00"]
    assert shown(disposition="no_answer") == ["2026-11-27 12:00:00"]
    assert shown(source="google") == ["2026-11-27 14:00:00"]
    assert shown(source="Radio") == ["2026-11-27 12:00:00"]
    assert shown(entity="visit_id", value="a-1") == ["2026-11-27 14:00:00"]
    assert shown(entity="visit_id", value="a-2") == []
    assert shown(**{"from": "2026-11-28", "to": "2026-11-28"}) == ["2026-11-28 01:30:00"]
    assert len(shown(**{"to": "2026-11-27"})) == 2


def test_bad_filters_are_shown_at_their_fields(owner: SignedIn) -> None:
    backwards = owner.client.get(f"{owner.project}/calls?from=2026-11-28&to=2026-11-27")
    lonely_value = owner.client.get(f"{owner.project}/calls?value=a-1")
    unknown = owner.client.get(f"{owner.project}/calls?attribution=maybe")

    assert (backwards.status_code, lonely_value.status_code, unknown.status_code) == (422,) * 3
    assert field_error(backwards.text, "to") == "must be the From day or later"
    assert field_error(lonely_value.text, "value") == "choose the Entity this value belongs to"
    assert "not one of" in field_error(unknown.text, "attribution")


@pytest.mark.parametrize(
    "query",
    ["from=0001-01-01", "to=9999-12-31", "from=2026-02-30", "cursor=999999", "cursor=-1",
     "value=a%00b&entity=visit_id", "entity=1bad", "source=" + "x" * 300],
)  # fmt: skip
def test_odd_filters_get_a_message_at_their_field_never_a_server_error(
    owner: SignedIn, query: str
) -> None:
    response = owner.client.get(f"{owner.project}/calls?{query}")
    export = owner.client.get(f"{owner.project}/calls.csv?{query}")

    assert response.status_code == 422, response.text
    assert 'class="field-error"' in response.text or 'class="form-errors"' in response.text
    # The export has no pages: it ignores a cursor, and refuses every other odd filter.
    assert export.status_code == (200 if query.startswith("cursor") else 422)


def test_the_journal_pages_on_with_its_filters(owner: SignedIn, rows: CallRows) -> None:
    rows.add_many([rows.call_row(NOW - timedelta(minutes=i), disposition="answered")
                   for i in range(53)])  # fmt: skip
    rows.call(NOW + timedelta(minutes=1), disposition="busy")

    first = owner.client.get(f"{owner.project}/calls?disposition=answered").text
    older = re.search(r'<a class="button" href="\?([^"]+)">Older calls</a>', first)
    assert older is not None
    second = owner.client.get(f"{owner.project}/calls?{html.unescape(older.group(1))}").text

    assert len(call_links(first)) == 50
    assert len(call_links(second)) == 3
    assert "disposition=answered" in older.group(1)
    assert set(call_links(first)).isdisjoint(call_links(second))
    assert "Older calls" not in second


def test_the_csv_link_exports_the_filtered_calls(owner: SignedIn, rows: CallRows) -> None:
    rows.call(NOW, disposition="answered", external_id="kept")
    rows.call(NOW, disposition="busy", external_id="left")

    page = owner.client.get(f"{owner.project}/calls?disposition=answered").text
    link = re.search(r'href="([^"]+)" data-testid="export"', page)
    assert link is not None
    response = owner.client.get(html.unescape(link.group(1)))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["external_id"] for row in table] == ["kept"]


def test_the_call_page_shows_snapshots_trail_candidates_and_events(
    owner: SignedIn, rows: CallRows
) -> None:
    visit_id = rows.entity("visit_id")
    session = rows.session(utm_source="newsletter")
    other = rows.session()
    home = rows.page_view(session, HOME, NOW - timedelta(minutes=5))
    rows.observe(session, visit_id, "crm-41", NOW - timedelta(minutes=5), home)
    contacts = rows.page_view(session, HOME + "contacts", NOW - timedelta(minutes=1))
    rows.observe(session, visit_id, "crm-42", NOW - timedelta(minutes=1), contacts)
    rows.page_view(session, HOME + "after-the-call", NOW + timedelta(minutes=1))
    call_id = rows.call(
        NOW,
        session=session,
        attribution="ambiguous",
        candidate_session_ids=[other.id],
        visit={"utm_source": "newsletter", "page_url": HOME + "contacts"},
        entities={"visit_id": entity_snapshot("crm-42", NOW - timedelta(minutes=1))},
    )
    rows.event(call_id, "started", NOW)
    rows.event(call_id, "ended", NOW + timedelta(seconds=90))

    page = owner.client.get(f"{owner.project}/calls/{call_id}").text

    assert re.findall(r'data-testid="snapshot-value">([^<]*)<', page) == ["crm-42"]
    assert re.findall(r'data-testid="history-value">([^<]*)<', page) == ["crm-41", "crm-42"]
    trail = page[page.index('data-testid="trail"') :]
    assert HOME + "contacts" in trail
    assert "after-the-call" not in page  # the trail stops at the call
    assert f"/sessions/{other.key}" in page[page.index('data-testid="candidates"') :]
    assert f"/sessions/{session.key}" in page
    events = page[page.index('data-testid="events"') :]
    assert events.index("started") < events.index("ended")
    assert "2026-11-27 12:00:00" in page  # the project's zone is UTC


def test_an_end_dialtrail_inferred_says_so_next_to_the_event(
    owner: SignedIn, rows: CallRows
) -> None:
    call_id = rows.call(NOW)
    rows.event(call_id, "started", NOW)
    rows.event(call_id, "ended", NOW + timedelta(seconds=90), note=INFERRED)

    page = owner.client.get(f"{owner.project}/calls/{call_id}").text

    notes = re.findall(r'data-testid="event-note">([^<]*)<', page)
    assert [html.unescape(note) for note in notes] == [INFERRED]


def test_visitor_urls_are_links_only_when_http_and_never_pass_on_the_referrer(
    owner: SignedIn, rows: CallRows
) -> None:
    session = rows.session()
    call_id = rows.call(
        NOW,
        session=session,
        visit={"page_url": "javascript:alert(1)", "landing_page": HOME + "?a=<b>"},
        entities={"visit_id": {"value": "x", "observed_at": None, "page_url": "data:text/html,hi"}},
    )

    page = owner.client.get(f"{owner.project}/calls/{call_id}").text

    assert 'href="javascript:' not in page
    assert 'href="data:' not in page
    assert '<span class="url">javascript:alert(1)</span>' in page
    assert f'<a href="{HOME}?a=&lt;b&gt;" rel="noopener noreferrer nofollow" class="url">' in page


def test_a_call_of_another_project_is_not_found(
    world: World, owner: SignedIn, database: Database
) -> None:
    other_call = CallRows(database, world.other_project_id).call(NOW)

    assert owner.client.get(f"{owner.project}/calls/{other_call}").status_code == 404
    assert owner.client.get(f"{owner.project}/calls/{2**31}").status_code == 404


def test_numbers_are_shown_as_people_read_them(owner: SignedIn, rows: CallRows) -> None:
    call_id = rows.call(caller="+12015550123", tracking_number="+380441110001")
    rows.call(caller=None, caller_raw="Anonymous", tracking_number="+380441110001")

    journal = owner.client.get(f"{owner.project}/calls").text
    call = owner.client.get(f"{owner.project}/calls/{call_id}").text

    assert "+1 201-555-0123" in journal
    assert "Anonymous" in journal  # a caller that is not a number, as it came
    assert journal.count("<code>+380 44 111 0001</code>") == 2
    assert "<h1>Call from +1 201-555-0123</h1>" in call
    assert "<code>+380 44 111 0001</code>" in call
    assert "+12015550123" not in journal + call  # stored and sent as E.164, not shown so
