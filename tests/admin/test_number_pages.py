"""Call tracking → Numbers through the forms: add one, bulk paste (all or nothing, errors at the
line), change, remove (draining while a session holds it), pool settings (owners), and the
utilisation chart with the recommended size."""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dialtrail.numbers.models import PoolUsage
from dialtrail.numbers.usage import expected_accuracy
from tests.admin.conftest import SignedIn
from tests.support.admin import signed_in
from tests.support.collector import Visit, public_key
from tests.support.databases import Database
from tests.support.people import World

POOL = ["+380441110001", "+380441110002"]


def numbers(world: World) -> list[dict[str, Any]]:
    url = f"/api/v1/projects/{world.project_id}/numbers"
    items: list[dict[str, Any]] = world.owner.client.get(url).json()["items"]
    return items


def project(world: World) -> dict[str, Any]:
    body: dict[str, Any] = world.owner.client.get(f"/api/v1/projects/{world.project_id}").json()
    return body


def field_error(page: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no error at {field_id}"
    return html.unescape(found.group(1))


def text_of(page: str, test_id: str) -> str:
    found = re.search(rf'data-testid="{test_id}"[^>]*>(.*?)</(?:p|ul|span|strong)>', page, re.S)
    assert found is not None, f"no {test_id} on the page"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def statuses(page: str) -> list[str]:
    return re.findall(r'data-testid="status">([a-z]+)<', page)


def test_a_number_added_through_the_form_is_listed_as_free(world: World, owner: SignedIn) -> None:
    pool = owner.post(f"{owner.project}/numbers", number="+380 44 111 0001", kind="pool")
    static = owner.post(
        f"{owner.project}/numbers", number=POOL[1], kind="static", label="Billboard A40"
    )

    assert (pool.status_code, static.status_code) == (303, 303)
    assert [(n["number"], n["kind"], n["label"]) for n in numbers(world)] == [
        (POOL[0], "pool", ""),
        (POOL[1], "static", "Billboard A40"),
    ]
    page = owner.client.get(f"{owner.project}/numbers").text
    assert statuses(page) == ["free", "static"]
    assert "Billboard A40" in page


@pytest.mark.storage_agnostic
def test_a_bad_number_is_shown_at_its_field_and_nothing_is_added(
    world: World, owner: SignedIn
) -> None:
    response = owner.post(f"{owner.project}/numbers", number="12", kind="pool", label="x")

    assert response.status_code == 422
    assert "not a valid phone number" in field_error(response.text, "add-number")
    assert 'id="add-number" name="number" value="12"' in response.text
    assert numbers(world) == []


@pytest.mark.storage_agnostic
def test_a_bulk_paste_with_a_bad_line_names_that_line_and_adds_nothing(
    world: World, owner: SignedIn
) -> None:
    pasted = f"{POOL[0]}\n\n12\n{POOL[1]}\nnot a number\n"
    response = owner.post(f"{owner.project}/numbers/bulk", numbers=pasted, kind="pool")

    assert response.status_code == 422
    assert "fix lines 3, 5" in field_error(response.text, "bulk-numbers")
    lines = re.findall(r"<li>(Line \d+): ([^<]*)</li>", response.text)
    assert [line for line, _ in lines] == ["Line 3", "Line 5"]
    assert "not a valid phone number" in lines[0][1]
    assert f">{pasted}</textarea>" in response.text  # the paste is kept to be fixed
    assert numbers(world) == []


def test_a_bulk_paste_adds_every_line_and_skips_numbers_already_there(
    world: World, owner: SignedIn
) -> None:
    owner.post(f"{owner.project}/numbers", number=POOL[0], kind="pool")
    pasted = f"{POOL[0]}\r\n{POOL[1]}\r\n\r\n"
    response = owner.post(
        f"{owner.project}/numbers/bulk", numbers=pasted, kind="static", label="Flyer"
    )

    assert response.status_code == 303
    assert [(n["number"], n["kind"]) for n in numbers(world)] == [
        (POOL[0], "pool"),
        (POOL[1], "static"),
    ]
    shown = owner.client.get(f"{owner.project}/numbers").text
    assert "1 number added. Already in the project, left unchanged: 1 number." in shown
    assert "number added" not in owner.client.get(f"{owner.project}/numbers").text


@pytest.mark.storage_agnostic
def test_an_empty_paste_is_refused_at_the_textarea(world: World, owner: SignedIn) -> None:
    response = owner.post(f"{owner.project}/numbers/bulk", numbers="\n  \n", kind="pool")

    assert response.status_code == 422
    assert "at least 1" in field_error(response.text, "bulk-numbers")


def test_removing_a_leased_number_says_it_is_draining(
    world: World, owner: SignedIn, database: Database
) -> None:
    owner.post(f"{owner.project}/numbers", number=POOL[0], kind="pool")
    owner.post(f"{owner.project}/numbers", number=POOL[1], kind="static", label="Radio")
    leased, static = numbers(world)
    visit = Visit(world.base_url, public_key(database, world.project_id))
    assert visit.page("https://shop.example.com/").json()["number"] == POOL[0]
    assert statuses(owner.client.get(f"{owner.project}/numbers").text) == ["leased", "static"]

    removed = owner.post(f"{owner.project}/numbers/{leased['id']}/remove")
    assert removed.status_code == 303
    page = owner.client.get(removed.headers["location"]).text
    assert text_of(page, "notice").startswith(f"{POOL[0]} is draining: a visitor's session holds")
    assert statuses(page) == ["draining", "static"]
    assert visit.page("https://shop.example.com/next").json()["number"] == POOL[0]

    gone = owner.post(f"{owner.project}/numbers/{static['id']}/remove")
    page = owner.client.get(gone.headers["location"]).text
    assert text_of(page, "notice") == f"{POOL[1]} was removed."
    assert statuses(page) == ["draining"]


def test_changing_a_number_saves_label_destination_and_kind(world: World, owner: SignedIn) -> None:
    owner.post(f"{owner.project}/numbers", number=POOL[0], kind="pool")
    number_id = numbers(world)[0]["id"]
    form = owner.client.get(f"{owner.project}/numbers/{number_id}/edit")
    assert form.status_code == 200

    bad = owner.post(
        f"{owner.project}/numbers/{number_id}/edit", kind="static", label="A", destination="x"
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "destination")
    saved = owner.post(
        f"{owner.project}/numbers/{number_id}/edit",
        kind="static",
        label="Billboard A40",
        destination="+380445556677",
    )

    assert saved.status_code == 303
    changed = numbers(world)[0]
    assert (changed["kind"], changed["label"], changed["destination"]) == (
        "static",
        "Billboard A40",
        "+380445556677",
    )


def test_a_leased_numbers_kind_cannot_change_and_the_form_says_why(
    world: World, owner: SignedIn, database: Database
) -> None:
    owner.post(f"{owner.project}/numbers", number=POOL[0], kind="pool")
    number_id = numbers(world)[0]["id"]
    assert (
        Visit(world.base_url, public_key(database, world.project_id))
        .page("https://shop.example.com/")
        .is_success
    )

    response = owner.post(
        f"{owner.project}/numbers/{number_id}/edit", kind="static", label="", destination=""
    )

    assert response.status_code == 409
    assert "a session holds this number now" in field_error(response.text, "kind")
    assert numbers(world)[0]["kind"] == "pool"


def test_an_owner_changes_the_pool_settings(world: World, owner: SignedIn) -> None:
    response = owner.post(
        f"{owner.project}/numbers/pool",
        hold_seconds="600",
        on_pool_exhausted="default_number",
        late_call_seconds="0",
    )

    assert response.status_code == 303
    settings = project(world)
    assert (settings["hold_seconds"], settings["on_pool_exhausted"]) == (600, "default_number")
    assert settings["late_call_seconds"] == 0


@pytest.mark.storage_agnostic
def test_a_bad_pool_setting_is_shown_at_its_field_and_nothing_changes(
    world: World, owner: SignedIn
) -> None:
    response = owner.post(
        f"{owner.project}/numbers/pool",
        hold_seconds="5",
        on_pool_exhausted="default_number",
        late_call_seconds="900",
    )

    assert response.status_code == 422
    assert "30" in field_error(response.text, "hold_seconds")
    assert 'name="hold_seconds" type="number" min="30" max="86400" value="5"' in response.text
    settings = project(world)
    assert (settings["hold_seconds"], settings["on_pool_exhausted"]) == (300, "reuse_oldest")
    assert settings["late_call_seconds"] == 1800


@pytest.mark.storage_agnostic
def test_a_member_sees_the_pool_settings_read_only_and_cannot_change_them(
    world: World,
) -> None:
    member, csrf = signed_in(world.base_url, world.member.email)
    base = f"/admin/projects/{world.project_id}/numbers"
    page = member.get(base).text
    refused = member.post(
        f"{base}/pool",
        data={"csrf_token": csrf, "hold_seconds": "600", "on_pool_exhausted": "default_number"},
    )
    member.close()

    assert "Only the project's owners can change these." in page
    assert "<fieldset disabled>" in page
    assert "Save pool settings" not in page
    assert refused.status_code == 403
    assert "only the project&#39;s owners may do this" in refused.text
    assert project(world)["hold_seconds"] == 300


def test_the_usage_chart_draws_hourly_peaks_and_marks_exhaustions(
    world: World, owner: SignedIn, database: Database
) -> None:
    owner.post(f"{owner.project}/numbers/bulk", numbers="\n".join(POOL), kind="pool")
    this_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    peaks = {5: (1, 0), 3: (2, 0), 1: (5, 3)}  # hours ago: (peak sessions, exhaustions)
    with database.session() as session:
        for hours_ago, (peak, exhaustions) in peaks.items():
            hour = this_hour - timedelta(hours=hours_ago)
            session.add(PoolUsage(project_id=world.project_id, hour=hour, peak_sessions=peak,
                                  pool_size=2, exhaustions=exhaustions))  # fmt: skip
        session.commit()

    page = owner.client.get(f"{owner.project}/numbers").text

    chart = page[page.index('data-testid="usage-chart"') : page.index("</svg>")]
    assert chart.count('<rect class="peak"') == 3
    assert chart.count('<path class="exhausted"') == 1
    assert "the pool ran out 3 times</title>" in chart
    assert '<polyline class="pool-size"' in chart
    expected = math.floor(expected_accuracy(2 / 7) * 100)
    assert text_of(page, "recommendation") == (
        "Recommended pool size: 7 — the busiest hour of the last 7 days had 5 sessions holding "
        "a number at once and 0 new ones taking one, and the pool ran out 3 times; 7 lets each "
        "released number rest through the 30-minute late-call window and leaves room for a "
        "busier hour (you have 2: add 5)."
    )
    assert text_of(page, "expected-accuracy").startswith(
        f"At 2 numbers, expect about {expected} % of calls attributed to their visit"
    )


def test_without_usage_the_page_says_there_is_no_recommendation_yet(
    world: World, owner: SignedIn
) -> None:
    page = owner.client.get(f"{owner.project}/numbers").text

    assert text_of(page, "recommendation").startswith("No recommendation yet")
    assert 'data-testid="expected-accuracy"' not in page
    assert '<rect class="peak"' not in page


@pytest.mark.storage_agnostic
def test_an_odd_removed_parameter_shows_the_page_without_a_notice(owner: SignedIn) -> None:
    for odd in ["²", "0", "99999999999999999999", "x", "7"]:
        response = owner.client.get(f"{owner.project}/numbers", params={"removed": odd})
        assert response.status_code == 200, odd
        assert 'data-testid="notice"' not in response.text


def test_the_usage_section_shows_how_many_visits_share_each_number_now(
    world: World, owner: SignedIn, database: Database
) -> None:
    owner.post(f"{owner.project}/numbers/bulk", numbers="\n".join(POOL), kind="pool")
    key = public_key(database, world.project_id)
    for _ in range(3):  # two numbers, three visits: one number is shared
        Visit(world.base_url, key).page("https://shop.example.com/")

    page = owner.client.get(f"{owner.project}/numbers").text

    assert "3 held by a visit now; 1 shared by several visits (the pool ran out)." in page
    listed = re.findall(r"<li><code>([^<]+)</code> ([^<]+)</li>", page)
    # The first number was leased first, so it is the least recently active: it is shared.
    assert listed == [("+380 44 111 0001", "2 visits"), ("+380 44 111 0002", "1 visit")]
