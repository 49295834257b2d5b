"""Webhooks 2.0 in Debian's Chromium: the seed's whole set-up done through the admin UI only
(entity, pool numbers, a webhook whose parameter `visit id` is the entity), a real visit to
the fixture shop, `dialtrail simulate-call` as a process, the worker, and the deliveries log
showing the 200; hostile names and receiver answers shown as text, with no dialog."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page

from tests.support.admin_browser import ARTIFACTS, HOSTILE, shoot, sign_in
from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.people import World
from tests.support.processes import database_url, run
from tests.support.receiver import Answer, Receiver
from tests.support.static_site import StaticSite, serve_folder
from tests.support.waiting import wait_for

SHOP = Path(__file__).parents[1] / "browser" / "fixtures" / "shop"
POOL = ["+12125550191", "+12125550192"]
# The shop's own number, which the script replaces with the visit's tracking number.
PHONE = (
    '<p>Call us: <a id="phone" data-dialtrail-number="" href="tel:+12125550100">'
    "+1 212 555 0100</a></p>"
)


@pytest.fixture
def dialogs(page: Page) -> list[str]:
    """Every dialog the pages open; the hostile values must never open one."""
    opened: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return opened


def serve_shop(snippet: str, folder: Path) -> AbstractContextManager[StaticSite]:
    """The fixture shop carrying the snippet as the Installation page shows it."""
    for source in SHOP.iterdir():
        html = source.read_text()
        html = html.replace('<script async src="{{DIALTRAIL}}/s/{{KEY}}.js"></script>', snippet)
        (folder / source.name).write_text(html.replace("</body>", PHONE + "</body>"))
    return serve_folder(folder)


def add_entity_in_the_ui(page: Page) -> None:
    page.get_by_role("link", name="Tracking entities").click()
    page.get_by_role("link", name="Add an entity").click()
    page.get_by_label("Name", exact=True).fill("visit_id")
    page.get_by_label("Value", exact=True).fill("r7k12_si")
    page.get_by_role("button", name="Add the entity").click()
    page.wait_for_url("**/entities")


def add_numbers_in_the_ui(page: Page) -> None:
    page.get_by_role("link", name="Numbers").click()
    page.get_by_label("Numbers, one a line").fill("\n".join(POOL))
    page.get_by_role("button", name="Add these numbers").click()
    assert page.get_by_test_id("status").all_inner_texts() == ["free", "free"]


def add_webhook_in_the_ui(
    page: Page, url: str, name: str = "CRM", parameter: str = "visit id"
) -> None:
    page.get_by_role("link", name="Webhooks 2.0").click()
    page.get_by_role("link", name="Add a webhook").first.click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("URL").fill(url)
    page.get_by_label("Name sent (parameter 1)").fill(parameter)
    entity = page.get_by_label("Value (parameter 1)")
    tracking_entities = entity.locator('optgroup[label="Tracking entities"] option')
    assert tracking_entities.all_inner_texts() == [
        "entity.visit_id — Tracking entity visit_id, as at the call's start."
    ]
    entity.select_option(
        label="entity.visit_id — Tracking entity visit_id, as at the call's start."
    )
    page.get_by_role("button", name="Add the webhook").click()
    assert page.get_by_test_id("secret").inner_text().startswith("whsec_")


def snippet_from_the_ui(page: Page) -> str:
    page.get_by_role("link", name="Installation").click()
    return page.locator("#snippet").inner_text()


def deliver(database: Database, world: World, receiver: Receiver) -> int:
    """The worker, run once now (the test server runs none in its lifespan)."""
    return Hooks(database, world, receiver, Clock(datetime.now(UTC))).deliver()


def test_the_seed_is_set_up_and_delivered_through_the_ui_only(
    page: Page,
    world: World,
    database: Database,
    receiver: Receiver,
    tmp_path: Path,
    dialogs: list[str],
) -> None:
    sign_in(page, world, world.owner.email)
    add_entity_in_the_ui(page)
    add_numbers_in_the_ui(page)
    add_webhook_in_the_ui(page, receiver.url + "/crm")
    shoot(page, "webhook-created", database)
    snippet = snippet_from_the_ui(page)

    with serve_shop(snippet, tmp_path) as shop:
        visitor = page.context.new_page()
        visitor.goto(shop.base_url + "/index.html")
        visitor.wait_for_function("window.dialtrail && window.r7k12_si === 'visit-2'")
        shown = visitor.locator("#phone")
        visitor.wait_for_function(
            "document.getElementById('phone').textContent !== '+1 212 555 0100'"
        )
        number = shown.inner_text()
        visit_value = visitor.evaluate("window.r7k12_si")
        visitor.click("#contacts")  # pagehide sends the visit id's last value
        visitor.wait_for_load_state()
        wait_for(lambda: session_has(page, world, visit_value), "visit_id to reach the server")

    called = run(
        database_url(database), "simulate-call", "--project", str(world.project_id), "--to", number
    )
    assert called.returncode == 0, called.stderr
    assert "attribution: session" in called.stdout
    assert deliver(database, world, receiver) == 1

    page.get_by_role("link", name="Webhooks 2.0").click()
    page.get_by_role("link", name="CRM", exact=True).click()
    page.get_by_role("link", name="Deliveries", exact=True).click()
    assert page.get_by_test_id("delivery-status").all_inner_texts() == ["delivered"]
    assert page.get_by_test_id("last-answer").all_inner_texts() == ["200"]
    shoot(page, "webhook-deliveries", database)
    page.get_by_label("Event").select_option("call.started")
    page.get_by_role("button", name="Filter").click()
    assert page.get_by_text("No deliveries match these filters.").is_visible()
    page.get_by_label("Event").select_option("call.completed")
    page.get_by_role("button", name="Filter").click()
    page.get_by_test_id("deliveries").get_by_role("link", name="#").first.click()
    assert page.get_by_test_id("attempt-status").all_inner_texts() == ["200"]
    shoot(page, "webhook-delivery", database)
    [received] = receiver.received
    assert number in POOL
    assert visit_value == "visit-2"
    assert (received.path, json.loads(received.body)) == ("/crm", {"visit id": visit_value})
    assert dialogs == []


def session_has(page: Page, world: World, value: str) -> bool:
    """The admin's Sessions page lists the visit with the value (read in the same browser)."""
    response = page.request.get(f"{world.base_url}/admin/projects/{world.project_id}/sessions")
    return response.ok and value in response.text()


@pytest.mark.storage_agnostic
def test_hostile_names_and_answers_show_as_text_and_run_nothing(
    page: Page,
    world: World,
    database: Database,
    receiver: Receiver,
    dialogs: list[str],
) -> None:
    sign_in(page, world, world.owner.email)
    add_entity_in_the_ui(page)
    add_webhook_in_the_ui(page, receiver.url + "/crm", name=HOSTILE, parameter=HOSTILE)
    assert page.get_by_test_id("webhook-title").inner_text() == HOSTILE
    page.reload()  # the secret was shown once; the reload adds no second webhook
    assert page.get_by_test_id("webhook-title").inner_text() == HOSTILE
    assert page.get_by_test_id("secret").count() == 0
    receiver.default = Answer(status=500, body=f"<h1>down</h1>{HOSTILE}<script>alert(2)</script>")

    page.get_by_role("link", name="Preview and test send").click()
    page.get_by_role("button", name="Test send").click()
    assert page.get_by_test_id("test-status").inner_text().startswith("500")
    assert HOSTILE in page.get_by_test_id("response").inner_text()
    assert HOSTILE in page.get_by_test_id("request").inner_text()  # the parameter's name
    shoot(page, "webhook-test-send", database)
    assert len(receiver.received) == 1
    page.reload()  # previews again: nothing is sent a second time
    assert "webhook-id: msg_preview_" in page.get_by_test_id("request").inner_text()
    assert page.get_by_test_id("test-status").count() == 0
    assert len(receiver.received) == 1

    hooks = Hooks(database, world, receiver, Clock(datetime.now(UTC)))
    hooks.call("CA-hostile")
    hooks.clock.now = datetime.now(UTC)  # the delivery is due since it was written
    hooks.deliver()
    page.get_by_role("link", name="Deliveries", exact=True).click()
    page.get_by_test_id("deliveries").get_by_role("link", name="#").first.click()
    assert "<script>alert(2)</script>" in page.get_by_test_id("response-body").inner_text()
    page.get_by_role("link", name="All webhooks").click()
    assert page.get_by_test_id("webhook-name").inner_text() == HOSTILE
    assert page.locator("main img").count() == 0
    assert dialogs == []


@pytest.mark.storage_agnostic
def test_the_editor_shows_a_bad_row_at_its_select_and_the_error_page_resends(
    page: Page,
    world: World,
    database: Database,
    receiver: Receiver,
    dialogs: list[str],
) -> None:
    sign_in(page, world, world.owner.email)
    add_entity_in_the_ui(page)
    page.get_by_role("link", name="Webhooks 2.0").click()
    page.get_by_role("link", name="Add a webhook").first.click()
    page.get_by_label("Name", exact=True).fill("CRM")
    page.get_by_label("URL").fill(receiver.url + "/crm")
    page.get_by_label("Name sent (parameter 1)").fill("visit id")
    page.get_by_label("Value (parameter 1)").select_option("entity.visit_id")
    page.get_by_role("button", name="Add a parameter").click()
    page.get_by_role("button", name="Add a parameter").click()
    page.get_by_label("Name sent (parameter 3)").fill("caller")
    page.get_by_role("button", name="Add a filter").click()
    page.get_by_label("Field (filter 1)").select_option("call.talk_seconds")
    page.get_by_label("Condition (filter 1)").select_option("gte")
    page.get_by_label("Value (filter 1)").fill("half a minute")
    page.get_by_role("button", name="Add the webhook").click()

    # Row 3 has a name but no value: the service's parameters.1 is the form's third row.
    value_select = page.get_by_label("Value (parameter 3)")
    assert value_select.get_attribute("aria-invalid") == "true"
    assert "give either value" in page.locator('[id="parameters.2.value-error"]').inner_text()
    assert "whole number" in page.locator('[id="filters.0.value-error"]').inner_text()
    shoot(page, "webhook-editor-errors", database)
    if database.backend == "sqlite":
        parameters = page.get_by_test_id("parameters")
        parameters.screenshot(path=str(ARTIFACTS / "webhook-parameters.png"))
    value_select.select_option("call.caller")
    page.get_by_label("Value (filter 1)").fill("30")
    page.get_by_role("button", name="Add the webhook").click()
    assert page.get_by_test_id("secret").is_visible()

    receiver.default = Answer(status=503, body="busy")
    hooks = Hooks(database, world, receiver, Clock(datetime.now(UTC)))
    hooks.call("CA-failing")
    hooks.clock.now = datetime.now(UTC)
    for _ in range(8):  # every retry fails (the longest pause is 11 h), so it ends up failed
        hooks.deliver()
        hooks.clock.advance(hours=12)
    page.get_by_role("link", name="Failing and failed").click()
    assert page.get_by_test_id("delivery-status").all_inner_texts() == ["failed"]
    shoot(page, "webhook-failed", database)
    receiver.default = Answer()
    page.get_by_role("button", name="Resend all failed").click()
    assert page.get_by_test_id("flash").inner_text() == "1 failed delivery will be sent again."
    assert page.url.endswith("/failed")  # Post/Redirect/Get: a reload does not resend again
    hooks.clock.now = datetime.now(UTC)
    hooks.deliver()
    page.get_by_role("link", name="Deliveries", exact=True).click()
    assert page.get_by_test_id("delivery-status").all_inner_texts() == ["delivered"]
    assert dialogs == []
