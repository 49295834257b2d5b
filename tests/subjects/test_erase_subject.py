"""Erasing a data subject leaves no trace of them in any table, keeps their calls counted
(anonymised), and leaves everyone else's data alone (docs/privacy.md, "Erasure and export")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.subjects.conftest import Site
from tests.support.collector import Visit

CALLER, OTHER_CALLER = "+380671234501", "+380671234502"
# Where a subject's visit and call leave their traces: the collector's journal, the derived
# rows, an entity's last error, the call and its events, the webhooks' and GA4's deliveries,
# the attempts' logs (the receiver's answer, a `query` webhook's URL) and the reports' rollups.
PLACES_OF_A_SUBJECT = {
    "collector_journal.payload",
    "visitors.key",
    "sessions.key",
    "sessions.landing_page",
    "sessions.ga_client_id",
    "page_views.url",
    "entity_observations.value",
    "session_values.value",
    "calls.caller",
    "calls.visit",
    "calls.entities",
    "call_events.payload",
    "webhook_deliveries.data",
    "webhook_attempts.response_body",
    "webhook_attempts.request_url",
    "report_call_days.group_key",
    "report_call_sums.group_key",
    "report_call_days.caller",
}


def erase(site: Site, kind: str, value: str) -> dict[str, Any]:
    response = site.world.owner.client.post(
        f"/api/v1/projects/{site.world.project_id}/data-subjects/erase",
        json={"kind": kind, "value": value},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("kind", ["visitor", "session", "ga_client_id", "caller"])
def test_no_text_column_of_any_table_holds_an_erased_subject(site: Site, kind: str) -> None:
    other = site.subject(OTHER_CALLER)
    subject = site.subject(CALLER)  # the entity's last error is the subject's
    site.report()
    # The search sees what it looks for, in every kind of place the subject reaches.
    before = {hit.partition(":")[0] for hit in site.found(subject.traces())}
    assert before >= PLACES_OF_A_SUBJECT
    value = {
        "visitor": subject.visit.visitor,
        "session": subject.visit.session,
        "ga_client_id": subject.ga,
        "caller": "067 123 45 01",  # a national spelling, read with the project's country
    }[kind]
    if kind == "caller":
        site.world.owner.client.patch(
            f"/api/v1/projects/{site.world.project_id}", json={"country": "UA"}
        )

    erased = erase(site, kind, value)

    assert site.found(subject.traces()) == []
    assert erased["selector_kind"] == kind
    assert erased["counts"]["sessions"] == 1
    assert erased["counts"]["calls"] == 1
    assert erased["counts"]["page_views"] == 2
    assert site.count("calls") == 2  # the erased subject's call is still counted
    assert len(site.found(other.traces())) > 0  # the other visitor keeps everything
    assert site.count("sessions") == 1


def test_rollups_of_a_former_time_zone_keep_nothing_of_an_erased_subject(site: Site) -> None:
    # Of UTC-10 and UTC+14, the one whose date is not UTC's now: its rollups hold the subject
    # on a day the other zone's marks never name.
    far_zones = ["Pacific/Honolulu", "Pacific/Kiritimati"]
    now = datetime.now(UTC)
    former = next(z for z in far_zones if now.astimezone(ZoneInfo(z)).date() != now.date())
    (current,) = set(far_zones) - {former}
    project = f"/api/v1/projects/{site.world.project_id}"
    assert site.world.owner.client.patch(project, json={"timezone": former}).status_code == 200
    subject = site.subject(CALLER)
    site.report()
    assert site.world.owner.client.patch(project, json={"timezone": current}).status_code == 200

    erase(site, "caller", CALLER)

    assert site.found(subject.traces()) == []


def test_the_erasure_log_names_the_kind_and_who_never_the_value(site: Site) -> None:
    subject = site.subject(CALLER)

    erase(site, "visitor", subject.visit.visitor)

    response = site.world.owner.client.get(f"/api/v1/projects/{site.world.project_id}/erasures")
    assert response.status_code == 200
    (entry,) = response.json()["items"]
    assert entry["requested_by"] == f"user:{site.world.owner.user_id}"
    assert entry["counts"] == {
        "calls": 1,
        "sessions": 1,
        "page_views": 2,
        "observations": 2,
        "journal_rows": 3,
        "visitors": 1,
    }
    assert subject.visit.visitor not in json.dumps(entry)


def test_an_anonymised_call_keeps_its_counts_and_attribution(site: Site) -> None:
    subject = site.subject(CALLER)

    erase(site, "caller", CALLER)

    calls = site.world.owner.client.get(f"/api/v1/projects/{site.world.project_id}/calls")
    (call,) = calls.json()["items"]
    assert call["caller"] is None
    assert call["attribution"] == "session"
    assert call["duration_seconds"] is not None or call["disposition"] is not None
    assert subject.visit.session not in json.dumps(call)


def test_reports_after_an_erasure_count_the_call_without_its_visit_or_caller(site: Site) -> None:
    site.subject(CALLER)
    site.subject(OTHER_CALLER)
    browser = Visit(site.world.base_url, site.key)  # a visit that led to no call
    browser.page("https://shop.example.com/", new_session=True)
    before = totals(site)  # summed into the rollups

    erase(site, "caller", CALLER)
    between = totals(site)
    erase(site, "visitor", browser.visitor)  # no call of theirs changes

    after = totals(site)
    assert (before["calls"], before["sessions"], before["unique_callers"]) == (2, 3, 2)
    assert (between["calls"], between["sessions"], between["unique_callers"]) == (2, 2, 1)
    assert (after["calls"], after["sessions"], after["unique_callers"]) == (2, 1, 1)


def totals(site: Site) -> dict[str, Any]:
    response = site.world.owner.client.get(
        f"/api/v1/projects/{site.world.project_id}/reports/calls"
    )
    assert response.status_code == 200, response.text
    figures: dict[str, Any] = response.json()["totals"]
    return figures


def test_a_pending_delivery_is_sent_anonymised(site: Site) -> None:
    subject = site.subject(CALLER)
    site.hooks.webhook(
        name="CRM, answered calls",
        events=["call.answered"],
        parameters=[
            {"name": "caller", "value": "call.caller"},
            {"name": "landing", "value": "visit.landing_page"},
            {"name": "visit", "value": "entity.visit_id"},
        ],
    )
    site.hooks.receiver.received.clear()
    site.hooks.report("answered", subject.call_id, caller=CALLER, called="+380441112233")

    erase(site, "session", subject.visit.session)  # before the worker sends it
    site.hooks.deliver(rounds=2)

    (request,) = site.hooks.receiver.received
    assert json.loads(request.body) == {"caller": None, "landing": None, "visit": None}


def test_a_new_visit_after_erasure_is_tracked_again(site: Site) -> None:
    subject = site.subject(CALLER)
    erase(site, "visitor", subject.visit.visitor)

    again = subject.visit.page("https://shop.example.com/back", new_session=False)

    assert again.status_code == 200
    assert site.count("sessions") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "email", "value": "x"}, "kind"),
        ({"kind": "visitor", "value": ""}, "value"),
        ({"kind": "visitor"}, "value"),
        ({"kind": "visitor", "value": "x", "extra": 1}, "extra"),
    ],
)
def test_a_bad_selector_is_refused_naming_the_field(
    site: Site, body: dict[str, Any], field: str
) -> None:
    response = site.world.owner.client.post(
        f"/api/v1/projects/{site.world.project_id}/data-subjects/erase", json=body
    )

    assert response.status_code == 422
    assert field in [problem["field"] for problem in response.json()["fields"]]


def test_only_owners_erase_export_or_read_the_log(site: Site) -> None:
    project = f"/api/v1/projects/{site.world.project_id}"
    selector = {"kind": "visitor", "value": "someone"}
    for person in (site.world.member, site.world.outsider):
        for path in ("/data-subjects/erase", "/data-subjects/export"):
            assert person.client.post(project + path, json=selector).status_code in (403, 404)
        assert person.client.get(project + "/erasures").status_code in (403, 404)
    assert (
        site.world.anonymous.post(project + "/data-subjects/export", json=selector).status_code
        == 401
    )
