"""Integrations in the admin: the overview lists Webhooks 2.0, GA4 and Matomo; GA4 and Matomo
are set up through their forms only, with the API's rules shown at their field (a parameter's
at its line), secrets kept sealed and write-only, and the webhooks' preview, test send and
deliveries log working for them."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dialtrail.webhooks.models import Webhook
from tests.admin.conftest import SignedIn
from tests.support.analytics_protocols import ga4_request
from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.people import World, declare_entity
from tests.support.receiver import Answer, Receiver
from tests.support.webhook_pages import field_error

GA4_FORM = {
    "name": "GA4",
    "measurement_id": "G-K3Q9ZL2M7P",
    "api_secret": "s3cr3t-Api_Value",
    "event_name": "phone_call",
    "endpoint": "global",
    "call.completed": "on",
    "only_answered": "on",
    "enabled": "on",
    "parameters": 'disposition = call.disposition\nsource = "dialtrail"',
}


def integrations(database: Database) -> list[Webhook]:
    with database.session() as db:
        query = select(Webhook).where(Webhook.kind != "webhook").order_by(Webhook.id)
        return list(db.scalars(query))


def test_ga4_is_set_up_from_the_form_and_listed_with_its_pages(
    owner: SignedIn, database: Database
) -> None:
    saved = owner.post(f"{owner.project}/integrations/new/ga4", **GA4_FORM)

    assert saved.status_code == 303, saved.text
    (stored,) = integrations(database)
    assert stored.kind == "ga4"
    assert stored.settings["measurement_id"] == "G-K3Q9ZL2M7P"
    assert "s3cr3t" not in json.dumps(stored.settings)  # sealed
    assert stored.filters == [{"field": "call.disposition", "op": "eq", "value": "answered"}]
    assert stored.parameters == [
        {"name": "disposition", "value": "call.disposition"},
        {"name": "source", "constant": "dialtrail"},
    ]
    overview = owner.client.get(f"{owner.project}/integrations").text
    assert 'data-testid="integration-webhooks"' in overview
    assert 'data-testid="integration-ga4"' in overview
    assert f'href="/admin/projects/{stored.project_id}/ads-conversions"' in overview
    assert f"/webhooks/{stored.id}/deliveries" in overview
    edit = owner.client.get(f"{owner.project}/integrations/{stored.id}/edit").text
    assert "s3cr3t" not in edit
    assert "disposition = call.disposition" in html.unescape(edit)


def test_the_overview_lists_ga4_and_matomo_before_either_is_set_up(owner: SignedIn) -> None:
    before = owner.client.get(f"{owner.project}/integrations").text
    owner.post(f"{owner.project}/integrations/new/ga4", **GA4_FORM)
    after = owner.client.get(f"{owner.project}/integrations").text

    assert 'data-testid="integration-ga4-none"' in before
    assert 'data-testid="integration-matomo-none"' in before
    assert f'href="{owner.project}/integrations/new/matomo">Add Matomo' in before
    assert 'data-testid="integration-ga4-none"' not in after  # listed as itself now
    assert 'data-testid="integration-ga4"' in after
    assert 'data-testid="integration-matomo-none"' in after


def test_the_overview_names_the_tool_under_an_integration_only_when_its_name_differs(
    owner: SignedIn,
) -> None:
    owner.post(
        f"{owner.project}/integrations/new/ga4", **{**GA4_FORM, "name": "Google Analytics 4"}
    )
    owner.post(f"{owner.project}/integrations/new/ga4", **{**GA4_FORM, "name": "Shop stream"})

    overview = owner.client.get(f"{owner.project}/integrations").text

    rows = re.findall(r'data-testid="integration-ga4">(.*?)</tr>', overview, re.DOTALL)
    assert len(rows) == 2
    assert '<div class="meta">Google Analytics 4</div>' not in rows[0]  # not said twice
    assert '<div class="meta">Google Analytics 4</div>' in rows[1]  # "Shop stream" is GA4


def test_only_first_time_callers_becomes_the_webhooks_first_call_filter(
    owner: SignedIn, database: Database
) -> None:
    form = {**GA4_FORM, "only_answered": "", "only_first_call": "on"}

    saved = owner.post(f"{owner.project}/integrations/new/ga4", **form)

    assert saved.status_code == 303, saved.text
    (stored,) = integrations(database)
    assert stored.filters == [{"field": "call.is_first_call", "op": "eq", "value": True}]
    edit = owner.client.get(f"{owner.project}/integrations/{stored.id}/edit").text
    assert re.search(r'name="only_first_call"[^>]*checked', edit)
    assert not re.search(r'name="only_answered"[^>]*checked', edit)


def test_a_blank_secret_on_edit_keeps_the_stored_one(owner: SignedIn, database: Database) -> None:
    owner.post(f"{owner.project}/integrations/new/ga4", **GA4_FORM)
    (stored,) = integrations(database)

    changed = owner.post(
        f"{owner.project}/integrations/{stored.id}/edit",
        **{**GA4_FORM, "api_secret": "", "event_name": "call_done"},
    )

    assert changed.status_code == 303, changed.text
    (after,) = integrations(database)
    assert after.settings["event_name"] == "call_done"
    assert after.settings["api_secret"] == stored.settings["api_secret"]


@pytest.mark.storage_agnostic
def test_ga4s_rules_are_shown_at_their_field_and_line_and_nothing_is_saved(
    owner: SignedIn, database: Database
) -> None:
    fields = {
        **GA4_FORM,
        "event_name": "session_start",
        "parameters": 'disposition = call.disposition\n\nga_source = "x"',
    }

    response = owner.post(f"{owner.project}/integrations/new/ga4", **fields)

    assert response.status_code == 422
    assert "reserves the event name" in field_error(response.text, "event_name")
    assert "Line 3: GA4 reserves parameter names starting with &#39;ga_&#39;" in response.text
    assert integrations(database) == []


@pytest.mark.parametrize("kind", ["ga4", "matomo"])
def test_the_form_lists_the_fields_a_line_may_send_with_the_projects_entities(
    owner: SignedIn, world: World, kind: str
) -> None:
    declare_entity(world, name="visit_id")

    page = owner.client.get(f"{owner.project}/integrations/new/{kind}").text

    listed = re.findall(r"<dt><code>([^<]+)</code></dt>", page)
    assert {"call.disposition", "visit.ga_client_id", "project.name"} <= set(listed)
    assert "entity.visit_id" in listed
    assert '<details class="field-list" data-testid="field-list">' in page  # closed


def test_an_unknown_field_on_a_line_points_to_the_list_under_the_box(
    owner: SignedIn, world: World
) -> None:
    declare_entity(world, name="visit_id")
    fields = {**GA4_FORM, "parameters": "visit = entity.visitid\nwhere = call.nowhere"}

    response = owner.post(f"{owner.project}/integrations/new/ga4", **fields)

    assert response.status_code == 422
    page = html.unescape(response.text)
    assert (
        "Line 1: this project has no tracking entity named 'visitid' (its entities: visit_id)"
        in page
    )
    assert "Line 2: 'call.nowhere' is not in the field catalogue" in page
    assert "the fields are listed under the box" in page
    assert "webhook-fields" not in page  # the API's address means nothing in the admin
    assert '<details class="field-list" data-testid="field-list" open>' in response.text


def test_the_preview_and_test_send_of_ga4_go_to_its_validation_endpoint(
    owner: SignedIn, database: Database, receiver: Receiver
) -> None:
    owner.post(f"{owner.project}/integrations/new/ga4", **{**GA4_FORM, "endpoint": receiver.url})
    (stored,) = integrations(database)
    base = f"{owner.project}/webhooks/{stored.id}"

    receiver.default = Answer(
        body='{"validationMessages":[{"fieldPath":"events","description":"Event at index: '
        '[0] has invalid name [x].","validationCode":"NAME_INVALID"}]}'
    )
    preview = owner.client.get(f"{base}/preview").text
    tested = owner.post(f"{base}/test", call_id="")
    shown = owner.client.get(f"{base}/preview").text

    assert "/mp/collect?measurement_id=G-K3Q9ZL2M7P&amp;api_secret=%E2%80%A2" in preview
    assert "s3cr3t" not in preview
    assert tested.status_code == 303
    assert "found 1 problem" in shown
    assert "has invalid name [x]." in shown
    assert "NAME_INVALID" in shown
    (received,) = receiver.received
    assert received.path == "/debug/mp/collect"
    ga4_request(received, datetime.now(UTC))


def test_matomo_is_set_up_from_the_form(owner: SignedIn, database: Database) -> None:
    fields = {
        "name": "Matomo",
        "url": "https://matomo.example.com",
        "site_id": "3",
        "token_auth": "0123456789abcdef0123456789abcdef",
        "call.completed": "on",
        "enabled": "on",
        "parameters": 'e_c = "Phone calls"\ne_a = call.disposition\ndimension2 = visit.channel',
    }

    saved = owner.post(f"{owner.project}/integrations/new/matomo", **fields)

    assert saved.status_code == 303, saved.text
    (stored,) = integrations(database)
    assert (stored.kind, stored.url) == ("matomo", "https://matomo.example.com/matomo.php")
    assert stored.settings["site_id"] == 3
    assert "0123456789abcdef" not in json.dumps(stored.settings)


def test_every_refused_setting_of_a_form_is_shown_on_the_first_try(
    owner: SignedIn, database: Database
) -> None:
    ga4_page = owner.post(
        f"{owner.project}/integrations/new/ga4",
        **{**GA4_FORM, "measurement_id": "", "api_secret": "", "endpoint": "europe"},
    )
    matomo_page = owner.post(
        f"{owner.project}/integrations/new/matomo",
        url="",
        site_id="",
        token_auth="short",
        **{"call.completed": "on"},
    )

    assert ga4_page.status_code == matomo_page.status_code == 422
    assert "G- and 4 to 20 capital letters" in field_error(ga4_page.text, "measurement_id")
    assert field_error(ga4_page.text, "api_secret") == "this field is required"
    assert "server-side Tag Manager" in field_error(ga4_page.text, "endpoint")
    assert "http:// or https://" in field_error(matomo_page.text, "url")
    assert field_error(matomo_page.text, "site_id")
    assert "16 to 64 letters and digits" in field_error(matomo_page.text, "token_auth")
    assert integrations(database) == []


def test_a_refused_setting_and_an_unknown_field_on_a_line_are_shown_together(
    owner: SignedIn, world: World, database: Database
) -> None:
    declare_entity(world, name="visit_id")
    fields = {
        **GA4_FORM,
        "measurement_id": "UA-12345",  # the tool's rule, checked by the request model
        "parameters": 'source = "dialtrail"\nvisit = entity.visitid',  # the catalogue's
    }

    response = owner.post(f"{owner.project}/integrations/new/ga4", **fields)

    assert response.status_code == 422
    assert "G- and 4 to 20 capital letters" in field_error(response.text, "measurement_id")
    page = html.unescape(response.text)
    assert "Line 2: this project has no tracking entity named 'visitid'" in page
    assert "Line 1" not in page
    assert integrations(database) == []


def test_an_edit_and_a_matomo_form_show_both_kinds_of_problem_too(
    owner: SignedIn, database: Database
) -> None:
    assert owner.post(f"{owner.project}/integrations/new/ga4", **GA4_FORM).status_code == 303
    (stored,) = integrations(database)
    edit = {**GA4_FORM, "measurement_id": "UA-1", "parameters": "where = call.nowhere"}

    edited = owner.post(f"{owner.project}/integrations/{stored.id}/edit", **edit)
    matomo = owner.post(
        f"{owner.project}/integrations/new/matomo",
        url="",
        site_id="3",
        token_auth="0123456789abcdef0123",
        parameters="e_a = call.nowhere",
        **{"call.completed": "on"},
    )

    assert edited.status_code == matomo.status_code == 422
    assert "G- and 4 to 20" in field_error(edited.text, "measurement_id")
    assert "http:// or https://" in field_error(matomo.text, "url")
    for page in (edited.text, matomo.text):
        assert "Line 1: &#39;call.nowhere&#39; is not in the field catalogue" in page
    (unchanged,) = integrations(database)
    assert unchanged.settings["measurement_id"] == "G-K3Q9ZL2M7P"
    assert unchanged.parameters == stored.parameters


def test_a_new_matomo_form_shows_the_default_category_and_action(owner: SignedIn) -> None:
    page = owner.client.get(f"{owner.project}/integrations/new/matomo").text

    assert 'e_c = "Phone calls"\ne_a = call.disposition</textarea>' in html.unescape(page)


def test_matomos_preview_masks_the_token_and_claims_no_signature(
    owner: SignedIn, database: Database
) -> None:
    token = "0123456789abcdef0123456789abcdef"
    saved = owner.post(
        f"{owner.project}/integrations/new/matomo",
        name="Matomo",
        url="https://matomo.example.com",
        site_id="3",
        token_auth=token,
        parameters="",
        **{"call.completed": "on", "enabled": "on"},
    )
    assert saved.status_code == 303, saved.text
    (stored,) = integrations(database)

    preview = owner.client.get(f"{owner.project}/webhooks/{stored.id}/preview").text

    assert "token_auth=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2" in preview
    assert token not in preview
    assert "e_c=Phone+calls" in preview  # the default, though no parameter names it
    assert "webhook-signature" not in preview  # an integration's request is not signed
    assert '/integrations" aria-current="page">All integrations</a>' in preview  # the menu
    assert '/webhooks" aria-current="page">' not in preview


def test_the_deliveries_log_says_why_a_call_was_not_sent(
    owner: SignedIn, database: Database, world: World
) -> None:
    owner.post(f"{owner.project}/integrations/new/ga4", **{**GA4_FORM, "only_answered": ""})
    (stored,) = integrations(database)
    event = {
        "project_id": world.project_id,
        "call_id": "CA-unattributed",
        "event": "ended",
        "caller": "+380671234567",
        "called": "+380441112299",
        "at": datetime.now(UTC).isoformat(),
        "duration_seconds": 30,
    }
    assert world.owner.client.post("/api/v1/telephony/events", json=event).status_code == 201
    hooks = Hooks(database, world, Receiver(), Clock(datetime.now(UTC)))
    hooks.deliver()

    log = owner.client.get(f"{owner.project}/webhooks/{stored.id}/deliveries").text

    assert "dismissed" in log
    assert "Not sent: the visit has no Google Analytics client id" in html.unescape(log)
    assert f'href="{owner.project}/integrations/{stored.id}/edit">Edit' in log
    offered = re.findall(r"<option(?: selected)?>(call\.[a-z]+)</option>", log)
    assert offered == ["call.started", "call.completed"]  # an integration has no call.answered
    overview = owner.client.get(f"{owner.project}/webhooks/{stored.id}")
    assert overview.status_code == 303
    assert overview.headers["location"].endswith(f"/integrations/{stored.id}/edit")
