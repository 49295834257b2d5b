"""Integrations → Webhooks 2.0 through the forms: the service's rules shown at the row they are
about, masked headers kept, the deliveries log and the error page, stale entity mappings
flagged, the date examples in the project's zone."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from dialtrail.projects.models import Project
from dialtrail.webhooks.models import Webhook, WebhookDelivery
from tests.admin.conftest import SignedIn
from tests.support.admin import signed_in
from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World, declare_entity
from tests.support.webhook_pages import (
    BOX,
    HOSTILE,
    SECRET,
    create_by_api,
    field_error,
    form,
    webhooks,
)


@pytest.mark.storage_agnostic
def test_a_bad_parameter_value_is_shown_at_its_row_and_nothing_is_stored(
    world: World, owner: SignedIn, visit_id: None
) -> None:
    fields = form(
        **{
            "parameters-1-name": "",  # a blank row: left out, so the service's 1 is row 2
            "parameters-1-source": "",
            "parameters-2-name": "ga",
            "parameters-2-source": "visit.gaclid",
        }
    )
    response = owner.post(f"{owner.project}/webhooks/new", **fields)

    assert response.status_code == 422
    assert "did you mean visit.gclid?" in field_error(response.text, "parameters.2.value")
    assert 'value="ga"' in response.text  # what was typed stays
    assert webhooks(world) == []


@pytest.mark.storage_agnostic
def test_every_refusal_is_shown_at_its_own_field(
    world: World, owner: SignedIn, visit_id: None
) -> None:
    fields = form(
        **{
            "event-call.completed": "",
            "url": "http://user:pw@crm.example.com/",
            "method": "GET",
            "date_format_choice": "custom",
            "date_format_pattern": "%k",
            "parameters-0-source": "constant",
            "parameters-0-constant": "x" * 2001,
            "filters-0-field": "call.disposition",
            "filters-0-op": "gt",
            "filters-0-value": "answered",
            "headers-0-name": "Host",
            "headers-0-value": "crm.example.com",
        }
    )
    response = owner.post(f"{owner.project}/webhooks/new", **fields)

    assert response.status_code == 422
    assert "at least 1" in field_error(response.text, "events")
    assert webhooks(world) == []
    fields["event-call.completed"] = "on"
    response = owner.post(f"{owner.project}/webhooks/new", **fields)
    expected = {
        "url": "credentials",
        "date_format": "%k is not a portable",
        "parameters.0.constant": "at most 2000",
        "filters.0.op": "gt compares numbers and dates",
        "headers.0": "Dialtrail sets",
    }
    for field, message in expected.items():
        assert message in field_error(response.text, field), field
    assert webhooks(world) == []


def test_a_webhook_added_through_the_form_is_stored_as_the_api_would(
    world: World, owner: SignedIn, visit_id: None
) -> None:
    fields = form(
        **{
            "method": "GET",  # the form still says json: GET sends query, as the help says
            "date_format_choice": "custom",
            "date_format_pattern": "%d.%m.%Y %H:%M",
            "parameters-1-name": "source",
            "parameters-1-source": "constant",
            "parameters-1-constant": "website",
            "filters-0-field": "call.talk_seconds",
            "filters-0-op": "gte",
            "filters-0-value": "30",
            "filters-1-field": "call.disposition",
            "filters-1-op": "in",
            "filters-1-value": "answered, voicemail",
            "filters-2-field": "visit.gclid",
            "filters-2-op": "exists",
            "filters-2-value": "",
            "headers-0-name": "X-Api-Key",
            "headers-0-value": "key-0123456789",
        }
    )
    response = owner.post(f"{owner.project}/webhooks/new", **fields)

    assert response.status_code == 303, response.text
    secret = SECRET.search(owner.client.get(response.headers["location"]).text)
    assert secret is not None
    [stored] = webhooks(world)
    assert (stored["method"], stored["format"]) == ("GET", "query")
    assert stored["date_format"] == "%d.%m.%Y %H:%M"
    assert stored["parameters"] == [
        {"name": "visit id", "value": "entity.visit_id"},
        {"name": "source", "constant": "website"},
    ]
    assert stored["filters"] == [
        {"field": "call.talk_seconds", "op": "gte", "value": 30},
        {"field": "call.disposition", "op": "in", "value": ["answered", "voicemail"]},
        {"field": "visit.gclid", "op": "exists", "value": None},
    ]
    assert stored["headers"] == {"X-Api-Key": "••••6789"}
    page = owner.client.get(f"{owner.project}/webhooks/{stored['id']}").text
    assert secret.group(1) not in page  # shown once


@pytest.mark.storage_agnostic
def test_rows_are_added_and_removed_without_javascript_and_nothing_is_saved(
    world: World, owner: SignedIn, visit_id: None
) -> None:
    added = owner.post(f"{owner.project}/webhooks/new", **form(action="add:parameters"))
    assert added.text.count('data-testid="parameter-row"') == 2
    fields = form(**{"parameters-1-name": "ga", "action": "remove:parameters:0"})
    removed = owner.post(f"{owner.project}/webhooks/new", **fields)
    assert removed.text.count('data-testid="parameter-row"') == 1
    assert 'id="parameters-0-name" name="parameters-0-name" value="ga"' in removed.text
    assert webhooks(world) == []


def test_editing_keeps_a_masked_header_and_replaces_a_new_value(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(
        world, headers={"Authorization": "Bearer crm-token-0123456789", "X-Other": "other-1234567"}
    )
    edit = f"{owner.project}/webhooks/{created['id']}/edit"
    page = owner.client.get(edit).text
    assert 'value="••••6789"' in page
    assert "crm-token" not in page

    fields = form(
        **{
            "name": "CRM renamed",
            "headers-0-name": "Authorization",
            "headers-0-value": "••••6789",
            "headers-1-name": "X-Other",
            "headers-1-value": "changed-7654321",
        }
    )
    response = owner.post(edit, **fields)

    assert response.status_code == 303
    with database.session() as db:
        webhook = db.get(Webhook, created["id"])
        assert webhook is not None
        opened = {name: BOX.open(sealed) for name, sealed in webhook.headers.items()}
    assert webhook.name == "CRM renamed"
    assert opened == {"Authorization": "Bearer crm-token-0123456789", "X-Other": "changed-7654321"}


def test_a_constant_number_saved_by_the_api_stays_a_number_after_an_edit(
    world: World, owner: SignedIn, visit_id: None
) -> None:
    created = create_by_api(world, parameters=[{"name": "n", "constant": 5}])
    edit = f"{owner.project}/webhooks/{created['id']}/edit"
    assert 'name="parameters-0-constant_type" value="number"' in owner.client.get(edit).text
    fields = form(
        **{
            "parameters-0-name": "n",
            "parameters-0-source": "constant",
            "parameters-0-constant": "5",
            "parameters-0-constant_type": "number",
        }
    )
    assert owner.post(edit, **fields).status_code == 303
    assert webhooks(world)[0]["parameters"] == [{"name": "n", "constant": 5}]


@pytest.mark.storage_agnostic
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    response = owner.client.post(f"{owner.project}/webhooks/new", data=form())
    assert response.status_code == 403
    assert webhooks(world) == []
    created = create_by_api(world)
    delivery = add_delivery(database, world, created["id"], "failed")
    resend = f"{owner.project}/webhooks/{created['id']}/deliveries/{delivery}/resend"
    assert owner.client.post(resend).status_code == 403
    assert statuses(database) == ["failed"]


@pytest.mark.storage_agnostic
def test_an_outsider_gets_404_and_a_member_may_add_a_webhook(world: World, visit_id: None) -> None:
    created = create_by_api(world)
    base = f"/admin/projects/{world.project_id}/webhooks"
    outsider, outsider_csrf = signed_in(world.base_url, world.outsider.email)
    for path in ("", "/new", f"/{created['id']}", f"/{created['id']}/edit",
                 f"/{created['id']}/deliveries", f"/{created['id']}/failed",
                 f"/{created['id']}/preview"):  # fmt: skip
        assert outsider.get(base + path).status_code == 404, path
    refused = outsider.post(base + "/new", data={**form(), "csrf_token": outsider_csrf})
    assert refused.status_code == 404
    outsider.close()

    member, member_csrf = signed_in(world.base_url, world.member.email)
    response = member.post(base + "/new", data={**form(name="Member's"), "csrf_token": member_csrf})
    member.close()
    assert response.status_code == 303
    assert [webhook["name"] for webhook in webhooks(world)] == ["CRM", "Member's"]


WEBHOOK_WRITES = ("/edit", "/rotate-secret", "/delete", "/test", "/failed/dismiss")


def webhook_with_a_failed_delivery(world: World, database: Database) -> tuple[str, int]:
    """The webhook's admin path, and its failed delivery."""
    created = create_by_api(world)
    delivery = add_delivery(database, world, created["id"], "failed")
    return f"/admin/projects/{world.project_id}/webhooks/{created['id']}", delivery


@pytest.mark.storage_agnostic
def test_a_webhook_s_forms_need_the_csrf_token_and_refuse_an_outsider(
    world: World, database: Database, visit_id: None
) -> None:
    base, delivery = webhook_with_a_failed_delivery(world, database)
    paths = [*WEBHOOK_WRITES, f"/deliveries/{delivery}/dismiss", "/preview"]
    outsider, outsider_csrf = signed_in(world.base_url, world.outsider.email)
    member, _ = signed_in(world.base_url, world.member.email)
    for path in paths:
        fields = {**form(name="Changed"), "call_id": "", "csrf_token": outsider_csrf}
        assert outsider.post(base + path, data=fields).status_code == 404, path
        assert member.post(base + path, data=form(name="Changed")).status_code == 403, path
    outsider.close()
    member.close()
    assert [webhook["name"] for webhook in webhooks(world)] == ["CRM"]
    assert statuses(database) == ["failed"]


def test_a_member_may_change_a_webhook_and_its_deliveries(
    world: World, database: Database, visit_id: None
) -> None:
    base, delivery = webhook_with_a_failed_delivery(world, database)
    member, csrf = signed_in(world.base_url, world.member.email)

    edited = member.post(base + "/edit", data={**form(name="Renamed"), "csrf_token": csrf})
    dismissed = member.post(f"{base}/deliveries/{delivery}/dismiss", data={"csrf_token": csrf})
    rotated = member.post(base + "/rotate-secret", data={"csrf_token": csrf})
    shown = member.get(base)
    deleted = member.post(base + "/delete", data={"csrf_token": csrf})
    member.close()

    assert edited.headers["location"] == base
    assert dismissed.headers["location"] == f"{base}/deliveries/{delivery}"
    assert rotated.headers["location"] == base
    assert shown.status_code == 200
    assert 'data-testid="secret">whsec_' in shown.text
    assert "Renamed" in shown.text
    assert deleted.headers["location"] == f"/admin/projects/{world.project_id}/webhooks"
    assert webhooks(world) == []


def add_delivery(
    database: Database, world: World, webhook_id: int, status: str, **fields: Any
) -> int:
    with database.session() as db:
        delivery = WebhookDelivery(
            webhook_id=webhook_id,
            project_id=world.project_id,
            message_id=f"msg_{status}_{datetime.now(UTC).timestamp()}",
            data={"call": {}, "visit": {}, "entities": {}},
            occurred_at=datetime.now(UTC),
            status=status,
            attempts=8,
            next_attempt_at=None,
            last_status_code=500,
            **{"event": "call.completed", **fields},
        )
        db.add(delivery)
        db.commit()
        return delivery.id


def statuses(database: Database) -> list[str]:
    with database.session() as db:
        query = db.query(WebhookDelivery.status).order_by(WebhookDelivery.id)
        return [status for (status,) in query]


def test_the_error_page_resends_and_dismisses_one_or_all(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world)
    ids = [add_delivery(database, world, created["id"], "failed") for _ in range(4)]
    base = f"{owner.project}/webhooks/{created['id']}"
    page = owner.client.get(f"{base}/failed").text
    assert page.count('data-testid="delivery-status">failed') == 4

    resent = owner.post(f"{base}/deliveries/{ids[0]}/resend", back="failed")
    dismissed = owner.post(f"{base}/deliveries/{ids[1]}/dismiss", back="failed")

    assert resent.headers["location"] == dismissed.headers["location"] == f"{base}/failed"
    assert statuses(database) == ["pending", "dismissed", "failed", "failed"]
    bad = owner.post(f"{base}/failed/resend", since="yesterday")
    assert bad.status_code == 422
    assert "valid datetime" in field_error(bad.text, "since")
    assert 'value="yesterday"' in bad.text
    assert statuses(database) == ["pending", "dismissed", "failed", "failed"]
    everything = owner.post(f"{base}/failed/dismiss", since="")
    assert (everything.status_code, everything.headers["location"]) == (303, f"{base}/failed")
    assert statuses(database) == ["pending", "dismissed", "dismissed", "dismissed"]
    after = owner.client.get(f"{base}/failed").text
    assert flashes(after) == ["2 failed deliveries dismissed."]
    assert "No failed deliveries." in after


def flashes(page: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r'data-testid="flash">([^<]*)<', page)]


def fail_again(database: Database) -> None:
    """The receiver refused the resent deliveries once more."""
    with database.session() as db:
        pending = WebhookDelivery.status == "pending"
        db.execute(update(WebhookDelivery).where(pending).values(status="failed"))
        db.commit()


def test_resend_all_is_post_redirect_get_so_a_reload_resends_nothing(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world)
    for _ in range(3):
        add_delivery(database, world, created["id"], "failed")
    base = f"{owner.project}/webhooks/{created['id']}"

    resent = owner.post(f"{base}/failed/resend", since="")

    assert resent.status_code == 303
    assert resent.headers["location"] == f"{base}/failed"
    assert statuses(database) == ["pending"] * 3
    fail_again(database)
    shown = owner.client.get(resent.headers["location"])
    assert flashes(shown.text) == ["3 failed deliveries will be sent again."]
    reloaded = owner.client.get(resent.headers["location"])
    assert reloaded.status_code == 200
    assert flashes(reloaded.text) == []  # shown once
    assert statuses(database) == ["failed"] * 3  # nothing was requeued by the page or its reload


def in_kyiv(database: Database) -> None:
    with database.session() as db:
        db.execute(update(Project).values(timezone="Europe/Kyiv"))  # UTC+2 in January
        db.commit()


def test_resend_since_reads_the_time_in_the_project_s_zone(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world)
    in_kyiv(database)
    nine = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for minutes in (0, 60):
        add_delivery(
            database, world, created["id"], "failed", created_at=nine + timedelta(minutes=minutes)
        )
    base = f"{owner.project}/webhooks/{created['id']}"
    assert "created since (Europe/Kyiv, optional)" in owner.client.get(f"{base}/failed").text

    resent = owner.post(f"{base}/failed/resend", since="2026-01-05 11:30")  # 09:30 UTC

    assert resent.status_code == 303
    assert statuses(database) == ["failed", "pending"]
    assert flashes(owner.client.get(f"{base}/failed").text) == [
        "1 failed delivery will be sent again."
    ]
    with_offset = owner.post(f"{base}/failed/dismiss", since="2026-01-05T08:30+00:00")
    assert with_offset.status_code == 303
    assert statuses(database) == ["dismissed", "pending"]


@pytest.mark.storage_agnostic
def test_a_bad_since_is_shown_at_its_field_and_changes_nothing(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world)
    in_kyiv(database)
    add_delivery(database, world, created["id"], "failed")
    base = f"{owner.project}/webhooks/{created['id']}"
    expected = {
        "9999-12-31 23:59-05:00": "between the years 1 and 9999",
        "0001-01-01 00:30": "between the years 1 and 9999",  # before year 1 in UTC
        HOSTILE: "valid datetime",
        "2026-02-30 10:00": "valid datetime",
    }
    for typed, message in expected.items():
        refused = owner.post(f"{base}/failed/resend", since=typed)
        assert refused.status_code == 422, typed
        assert message in field_error(refused.text, "since"), typed
    assert HOSTILE not in refused.text
    assert statuses(database) == ["failed"]


def test_the_deliveries_log_filters_by_status_and_pages(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world)
    for status in ["delivered"] * 51 + ["failed"]:
        add_delivery(database, world, created["id"], status)
    base = f"{owner.project}/webhooks/{created['id']}/deliveries"

    first = owner.client.get(base).text
    failed = owner.client.get(base, params={"status": "failed"}).text
    bad = owner.client.get(base, params={"status": "lost"})

    assert first.count('data-testid="delivery-status"') == 50
    assert first.index("failed</span>") < first.index("delivered</span>")  # newest first
    cursor = re.search(r'href="\?cursor=(\d+)" rel="next"', first)
    assert cursor is not None
    older = owner.client.get(base, params={"cursor": cursor.group(1)}).text
    assert older.count('data-testid="delivery-status"') == 2
    assert failed.count('data-testid="delivery-status"') == 1
    delivered = owner.client.get(base, params={"status": "delivered"}).text
    kept = re.search(r'href="\?status=delivered&amp;cursor=(\d+)" rel="next"', delivered)
    assert kept is not None
    older_delivered = owner.client.get(base, params={"status": "delivered", "cursor": kept[1]})
    assert older_delivered.text.count('data-testid="delivery-status">delivered') == 1
    assert bad.status_code == 422
    assert "Input should be 'pending'" in field_error(bad.text, "status")


def delivery_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'/deliveries/(\d+)">#', page)]


def test_the_deliveries_log_filters_by_event_call_and_time_in_the_project_s_zone(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world)
    call_id = CallRows(database, world.project_id).call()
    with database.session() as db:
        db.execute(update(Project).values(timezone="Europe/Kyiv"))  # UTC+2 in January
        db.commit()
    nine = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def add(event: str, minutes: int, **fields: Any) -> int:
        at = nine + timedelta(minutes=minutes)
        return add_delivery(database, world, created["id"], "delivered", event=event,
                            created_at=at, **fields)  # fmt: skip

    started = add("call.started", 0)
    answered = add("call.answered", 30, call_id=call_id)
    completed = add("call.completed", 60, call_id=call_id)
    base = f"{owner.project}/webhooks/{created['id']}/deliveries"

    def shown(**params: str) -> list[int]:
        response = owner.client.get(base, params=params)
        assert response.status_code == 200, response.text
        return delivery_ids(response.text)

    assert shown() == [completed, answered, started]
    assert shown(event="call.answered") == [answered]
    assert shown(call_id=str(call_id)) == [completed, answered]
    assert shown(since="2026-01-05T11:30") == [completed, answered]  # 09:30 UTC
    assert shown(until="2026-01-05T11:30") == [started]
    assert shown(since="2026-01-05T09:15Z", until="2026-01-05T09:45Z") == [answered]
    assert shown(event="call.completed", call_id=str(call_id), status="delivered") == [completed]
    assert (
        "No deliveries match these filters."
        in owner.client.get(
            base, params={"event": "call.completed", "until": "2026-01-05T11:00"}
        ).text
    )


@pytest.mark.storage_agnostic
def test_bad_filter_values_are_shown_at_their_fields_as_text(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world)
    add_delivery(database, world, created["id"], "failed")
    base = f"{owner.project}/webhooks/{created['id']}/deliveries"

    bad = owner.client.get(
        base,
        params={"since": "yesterday", "until": "9999-12-31T23:59-05:00",
                "call_id": HOSTILE, "event": HOSTILE},
    )  # fmt: skip

    assert bad.status_code == 422
    assert "valid datetime" in field_error(bad.text, "since")
    assert "between the years 1 and 9999" in field_error(bad.text, "until")
    assert "valid integer" in field_error(bad.text, "call_id")
    assert "Input should be 'call.started'" in field_error(bad.text, "event")
    assert 'value="&lt;img src=x onerror=alert(1)&gt;"' in bad.text
    assert HOSTILE not in bad.text
    assert 'data-testid="deliveries"' not in bad.text  # no rows that ignore the filters


def test_the_list_shows_state_and_counts_and_names_as_text(
    world: World, owner: SignedIn, database: Database, visit_id: None
) -> None:
    created = create_by_api(world, name=HOSTILE)
    add_delivery(database, world, created["id"], "failed")
    with database.session() as db:
        webhook = db.get(Webhook, created["id"])
        assert webhook is not None
        webhook.enabled, webhook.disabled_reason = False, "the receiver answered 410 Gone"
        db.commit()

    page = owner.client.get(f"{owner.project}/webhooks").text

    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert HOSTILE not in page
    assert "the receiver answered 410 Gone" in page
    assert 'data-testid="failed-count">1<' in page


def entity_url(world: World, entity: dict[str, Any]) -> str:
    return f"/api/v1/projects/{world.project_id}/tracking-entities/{entity['id']}"


def stale_warnings(page: str) -> list[str]:
    found = re.findall(r'data-testid="stale-entity">(.*?)</', page, re.S)
    return [html.unescape(text) for text in found]


def test_a_deleted_entity_s_mappings_are_flagged_on_the_list_and_the_overview(
    world: World, owner: SignedIn
) -> None:
    entity = declare_entity(world, name="visit_id")
    declare_entity(world, name="campaign")
    filters = [
        {"field": "call.disposition", "op": "eq", "value": "answered"},
        {"field": "entity.visit_id", "op": "exists"},
    ]
    stale = create_by_api(world, filters=filters)
    sound = create_by_api(
        world, name="Sheet", parameters=[{"name": "campaign", "value": "entity.campaign"}]
    )
    before = owner.client.get(f"{owner.project}/webhooks").text
    deleted = world.owner.client.delete(f"{entity_url(world, entity)}?force=true")
    assert deleted.status_code == 204, deleted.text

    listed = owner.client.get(f"{owner.project}/webhooks").text
    overview = owner.client.get(f"{owner.project}/webhooks/{stale['id']}").text
    sound_overview = owner.client.get(f"{owner.project}/webhooks/{sound['id']}").text

    assert stale_warnings(before) == []
    expected = [
        "parameter 'visit id' uses entity.visit_id, which no longer exists: it is sent empty.",
        "filter 2 uses entity.visit_id, which no longer exists: it sees no value.",
    ]
    assert stale_warnings(listed) == expected
    assert f'href="{owner.project}/webhooks/{stale["id"]}/edit">Edit' in listed
    assert stale_warnings(overview) == expected
    assert "Edit the webhook</a> to choose another field" in overview
    assert stale_warnings(sound_overview) == []


def test_a_disabled_entity_s_mappings_are_flagged_until_it_is_enabled_again(
    world: World, owner: SignedIn, visit_id: None
) -> None:
    campaign = declare_entity(world, name="campaign", enabled=False)
    gone = declare_entity(world, name="landing")
    created = create_by_api(
        world,
        parameters=[
            {"name": "visit id", "value": "entity.visit_id"},
            {"name": "campaign", "value": "entity.campaign"},
            {"name": "landing", "value": "entity.landing"},
        ],
        filters=[{"field": "entity.campaign", "op": "exists"}],
    )
    assert world.owner.client.delete(f"{entity_url(world, gone)}?force=true").status_code == 204
    overview = f"{owner.project}/webhooks/{created['id']}"

    expected = [
        "parameter 'campaign' uses entity.campaign, which is disabled: it is sent empty.",
        "parameter 'landing' uses entity.landing, which no longer exists: it is sent empty.",
        "filter 1 uses entity.campaign, which is disabled: it sees no value.",
    ]
    assert stale_warnings(owner.client.get(overview).text) == expected
    assert stale_warnings(owner.client.get(f"{owner.project}/webhooks").text) == expected
    enabled = world.owner.client.patch(entity_url(world, campaign), json={"enabled": True})
    assert enabled.status_code == 200, enabled.text
    assert stale_warnings(owner.client.get(overview).text) == expected[1:2]


def test_a_renamed_entity_s_mapping_is_flagged_until_the_webhook_is_edited(
    world: World, owner: SignedIn
) -> None:
    entity = declare_entity(world, name="visit_id")
    created = create_by_api(world, name=HOSTILE)
    renamed = world.owner.client.patch(
        f"{entity_url(world, entity)}?force=true", json={"name": "visit"}
    )
    assert renamed.status_code == 200, renamed.text
    overview = f"{owner.project}/webhooks/{created['id']}"
    assert stale_warnings(owner.client.get(overview).text) == [
        "parameter 'visit id' uses entity.visit_id, which no longer exists: it is sent empty."
    ]
    assert HOSTILE not in owner.client.get(f"{owner.project}/webhooks").text

    edited = owner.post(
        f"{overview}/edit", **form(name="CRM", **{"parameters-0-source": "entity.visit"})
    )

    assert edited.status_code == 303, edited.text
    assert stale_warnings(owner.client.get(overview).text) == []
    assert stale_warnings(owner.client.get(f"{owner.project}/webhooks").text) == []


def date_example(page: str, name: str) -> str:
    found = re.search(rf'data-testid="date-example-{name}">(.*?)</code>', page)
    assert found is not None, name
    return found.group(1)


def test_the_date_examples_are_written_in_the_project_s_own_zone(
    world: World, owner: SignedIn
) -> None:
    utc = owner.client.get(f"{owner.project}/webhooks/new").text
    project_url = f"/api/v1/projects/{world.project_id}"
    assert world.owner.client.patch(project_url, json={"timezone": "America/New_York"}).is_success
    new_york = owner.client.get(f"{owner.project}/webhooks/new").text

    assert "the project's time zone (UTC)" in utc
    assert date_example(utc, "iso8601") == "2026-11-27T10:15:00+00:00"
    assert date_example(utc, "pattern") == "27.11.2026 10:15"
    assert "the project's time zone (America/New_York)" in new_york
    assert date_example(new_york, "iso8601") == "2026-11-27T05:15:00-05:00"
    assert date_example(new_york, "pattern") == "27.11.2026 05:15"
    assert "+02:00" not in utc + new_york
