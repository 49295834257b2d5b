"""The Reports page and the dashboard over HTTP: the figures the API gives, a group's link to
its calls in the journal, visitor text escaped (campaigns, entity values) in the chart and the
table, the getting-started text of an empty project, and refusals at their field."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.admin.conftest import Clock, SignedIn
from tests.support.admin import signed_in
from tests.support.call_rows import CallRows, entity_snapshot
from tests.support.databases import Database
from tests.support.people import World

DAY = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
HOSTILE_CAMPAIGN = '<script>alert("campaign")</script>'
HOSTILE_VALUE = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def rows(world: World, database: Database) -> CallRows:
    return CallRows(database, world.project_id)


def groups(page: str) -> list[str]:
    found = re.findall(r'data-testid="group-label">([^<]*)<', page)
    return [html.unescape(text) for text in found]


def test_the_page_shows_each_channel_with_its_change_and_links_to_its_calls(
    owner: SignedIn, rows: CallRows
) -> None:
    paid = rows.session(DAY, channel="Paid Search")
    email = rows.session(DAY, channel="Email")
    rows.call(DAY, paid)
    rows.call(DAY + timedelta(hours=1), paid)
    rows.call(DAY, email)
    rows.call(DAY - timedelta(days=30), rows.session(DAY - timedelta(days=30), channel="Email"))

    response = owner.client.get(f"{owner.project}/reports", params=NOVEMBER)

    assert response.status_code == 200
    page = response.text
    assert groups(page) == ["Paid Search", "Email"]
    assert '<span class="up">+0 %</span>' not in page
    assert 'data-testid="report-chart"' in page
    link = re.search(r'<a href="([^"]+)" title="The calls of this group', page)
    assert link is not None
    journal = owner.client.get(html.unescape(link.group(1))).text
    assert len(re.findall(r'<a href="/admin/projects/\d+/calls/\d+">', journal)) == 2


def test_calls_per_100_visits_are_shown_with_two_decimals_in_every_row(
    owner: SignedIn, rows: CallRows
) -> None:
    rows.call(DAY, rows.session(DAY, channel="Paid Search"))
    email = [rows.session(DAY, channel="Email") for _ in range(3)]
    rows.call(DAY, email[0])

    page = owner.client.get(f"{owner.project}/reports", params=NOVEMBER).text

    cells = re.findall(r'<td class="num">([0-9.]+)</td>', page)
    assert "100.00" in cells  # Paid Search: 1 call, 1 visit (not "100.0" beside "33.33")
    assert "33.33" in cells  # Email: 1 call, 3 visits
    assert "<dd>50.00</dd>" in page  # the total: 2 calls, 4 visits


def test_visitor_text_is_shown_as_text_in_the_chart_and_the_table(
    owner: SignedIn, rows: CallRows
) -> None:
    rows.entity("visit_id")
    session = rows.session(DAY, utm_campaign=HOSTILE_CAMPAIGN)
    rows.call(DAY, session, entities={"visit_id": entity_snapshot(HOSTILE_VALUE)})

    by_campaign = owner.client.get(
        f"{owner.project}/reports", params={**NOVEMBER, "group_by": "campaign"}
    ).text
    by_entity = owner.client.get(
        f"{owner.project}/reports", params={**NOVEMBER, "group_by": "entity.visit_id"}
    ).text

    assert "<script>alert" not in by_campaign
    assert "&lt;script&gt;alert(&#34;campaign&#34;)&lt;/script&gt;" in by_campaign
    assert HOSTILE_CAMPAIGN in groups(by_campaign)
    assert "<img src=x" not in by_entity
    assert HOSTILE_VALUE in groups(by_entity)
    # In the SVG: the bar's tooltip and the legend, as text.
    assert "<title>10 Nov: &#34;&gt;&lt;img src=x onerror=alert(1)&gt;, 1 call</title>" in by_entity


def test_an_empty_project_says_what_to_do_next(owner: SignedIn) -> None:
    reports = owner.client.get(f"{owner.project}/reports").text
    dashboard = owner.client.get(f"{owner.project}/dashboard").text

    for page in (reports, dashboard):
        assert 'data-testid="getting-started"' in page
        assert "/installation" in page
        assert "dialtrail simulate-call" in page


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("params", "field"),
    [({"group_by": "colour"}, "group_by"), ({"from": "2026-11-02", "to": "2026-11-01"}, "to")],
)
def test_a_bad_choice_is_shown_at_its_field(
    owner: SignedIn, params: dict[str, str], field: str
) -> None:
    response = owner.client.get(f"{owner.project}/reports", params=params)

    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text


def test_the_csv_link_gives_the_group_table(owner: SignedIn, rows: CallRows) -> None:
    rows.call(DAY, rows.session(DAY, channel="Referral"))

    response = owner.client.get(f"{owner.project}/reports.csv", params=NOVEMBER)

    assert response.status_code == 200
    lines = response.text.removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("channel,calls,")
    assert lines[1].startswith("Referral,1,")


@pytest.fixture
def owner_at_noon(world: World, clocked_server: str, clock: Clock) -> Iterator[SignedIn]:
    clock.now = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)  # a Wednesday
    client, csrf = signed_in(clocked_server, world.owner.email)
    yield SignedIn(client, csrf, world.project_id)
    client.close()


def test_the_dashboard_shows_today_this_week_missed_calls_and_top_channels(
    owner_at_noon: SignedIn, rows: CallRows
) -> None:
    paid = rows.session(DAY, channel="Paid Search")
    today = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
    rows.call(today, paid, disposition="answered")
    rows.call(today, paid, disposition="no_answer")
    rows.call(today - timedelta(days=1), rows.session(DAY, channel="Email"), disposition="busy")
    rows.call(today - timedelta(days=3), paid)  # Sunday: last week

    page = owner_at_noon.client.get(f"{owner_at_noon.project}/dashboard").text

    def figure(testid: str) -> str:
        found = re.search(rf'data-testid="{testid}">(.*?)</dd>', page, re.S)
        assert found is not None, testid
        return re.sub(r"<[^>]+>", "", found.group(1)).split()[0]

    assert figure("calls-today") == "2"
    assert figure("missed-today") == "1"
    assert figure("calls-week") == "3"
    assert figure("missed-week") == "2"
    channels = re.findall(r'<th scope="row">([^<]+)</th>', page)
    assert channels == ["Paid Search", "Email"]


def test_the_dashboard_counts_one_call_in_the_singular(
    owner_at_noon: SignedIn, rows: CallRows
) -> None:
    rows.call(datetime(2026, 11, 11, 9, 0, tzinfo=UTC), rows.session(DAY, channel="Email"))

    page = owner_at_noon.client.get(f"{owner_at_noon.project}/dashboard").text

    assert 'class="meta">of 1 call</dd>' in page
    assert "1 calls" not in page
