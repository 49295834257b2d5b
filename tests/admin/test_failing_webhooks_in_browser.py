"""Operations a user can trust, in Debian's Chromium (issue #13): a webhook failing now is on
the list and the error page at once, with Retry now; a resend to a webhook that is off says so
and offers to turn it on; attempts agree with the log after a resend; errors read in words;
and long values leave the tables readable at 1280 and 390 px."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page

from dialtrail.webhooks.models import Webhook
from tests.support.admin_browser import ARTIFACTS, WIDTHS, shoot, sign_in
from tests.support.call_rows import NOW, CallRows, entity_snapshot
from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.people import World
from tests.support.receiver import Answer, Receiver
from tests.support.server import free_port


@pytest.fixture
def hooks(world: World, database: Database, receiver: Receiver) -> Hooks:
    return Hooks(database, world, receiver, Clock(datetime.now(UTC)))


def open_error_page(page: Page, world: World, webhook_id: int) -> None:
    page.goto(f"{world.base_url}/admin/projects/{world.project_id}/webhooks/{webhook_id}/failed")


def fail_for_good(hooks: Hooks) -> None:
    """Every retry fails (the longest pause is 11 h), so the pending deliveries end up failed."""
    for _ in range(8):
        hooks.deliver()
        hooks.clock.advance(hours=12)


def test_a_webhook_failing_now_is_shown_at_once_and_retried_now(
    page: Page, world: World, database: Database, hooks: Hooks
) -> None:
    hooks.webhook(name="CRM")
    # Retry-After puts the next tries an hour away, whatever time the clicks below take.
    hooks.receiver.default = Answer(503, "down for maintenance", {"Retry-After": "3600"})
    hooks.call("CA1")
    hooks.call("CA2")
    assert hooks.deliver() == 2  # the first attempts fail: pending, retried in an hour

    sign_in(page, world, world.owner.email)
    page.get_by_role("link", name="Webhooks 2.0").click()
    assert page.get_by_test_id("failing-count").inner_text() == "2 failing"
    assert page.get_by_test_id("failing-answer").inner_text() == "answered 503"
    banner = page.get_by_test_id("failing-webhooks").inner_text()  # seen without scrolling
    assert banner.startswith("Failing now: CRM, 2 deliveries since ")
    shoot(page, "webhooks-failing-now", database)

    page.get_by_test_id("failing-count").click()
    summary = page.get_by_test_id("failing-summary").inner_text()
    assert summary.startswith("2 deliveries are failing, since ")
    assert summary.endswith(": answered 503.")
    failing = page.get_by_test_id("failing")
    assert failing.get_by_test_id("delivery-status").all_inner_texts() == ["pending", "pending"]
    assert failing.get_by_test_id("attempts").all_inner_texts() == ["1", "1"]
    shoot(page, "webhook-failing-now", database)

    hooks.receiver.default = Answer(200, "back")
    page.get_by_role("button", name="Retry now delivery", exact=False).first.click()
    assert page.get_by_test_id("failing-summary").is_visible()  # one is due, not sent yet
    hooks.clock.now = datetime.now(UTC)
    assert hooks.deliver() == 1  # the other one's next try is an hour away
    assert len(hooks.receiver.received) == 3
    page.reload()
    assert page.get_by_test_id("failing-summary").inner_text().startswith("1 delivery is")

    page.get_by_role("button", name="Retry all now").click()
    assert page.get_by_test_id("flash").inner_text() == "1 failing delivery is being sent now."
    hooks.clock.now = datetime.now(UTC)
    assert hooks.deliver() == 1
    page.reload()
    assert page.get_by_test_id("nothing-failing").inner_text() == "Nothing is failing now."
    page.get_by_role("link", name="Deliveries", exact=True).click()
    statuses = page.get_by_test_id("delivery-status").all_inner_texts()
    assert statuses == ["delivered", "delivered"]


def test_a_resend_to_a_webhook_that_is_off_says_so_and_offers_to_turn_it_on(
    page: Page, world: World, database: Database, hooks: Hooks
) -> None:
    webhook_id, _ = hooks.webhook(name="CRM")
    hooks.receiver.default = Answer(500, "crm down")
    hooks.call()
    fail_for_good(hooks)
    with database.session() as db:
        webhook = db.get(Webhook, webhook_id)
        assert webhook is not None
        webhook.enabled = False
        webhook.disabled_reason = "the receiver answered 410 Gone at 2026-12-04 10:00 UTC"
        db.commit()
    hooks.receiver.default = Answer(200, "ok")

    sign_in(page, world, world.owner.email)
    open_error_page(page, world, webhook_id)
    page.get_by_role("button", name="Resend all failed").click()

    assert page.get_by_test_id("flash").inner_text() == (
        "CRM is off, so nothing was sent. Turn it on below, then try again."
    )
    banner = page.get_by_test_id("webhook-off").inner_text()
    assert "Dialtrail turned it off: the receiver answered 410 Gone" in banner
    assert page.get_by_test_id("delivery-status").all_inner_texts() == ["failed"]
    shoot(page, "webhook-off-resend", database)

    page.get_by_role("button", name="Turn CRM on").click()
    assert page.get_by_test_id("flash").inner_text().startswith("CRM is on again")
    assert page.get_by_test_id("webhook-off").count() == 0
    page.get_by_role("button", name="Resend all failed").click()
    assert page.get_by_test_id("flash").inner_text() == "1 failed delivery will be sent again."
    hooks.clock.now = max(hooks.clock.now, datetime.now(UTC))
    hooks.deliver()
    assert hooks.receiver.received[-1].path == "/hook"
    assert len(hooks.receiver.received) == 9


def test_attempts_agree_with_the_log_after_a_resend_and_errors_read_in_words(
    page: Page, world: World, database: Database, hooks: Hooks
) -> None:
    port = free_port()  # nothing listens there: every connection is refused
    webhook_id, _ = hooks.webhook(name="Closed CRM", url=f"http://127.0.0.1:{port}/crm")
    hooks.call()
    fail_for_good(hooks)
    sign_in(page, world, world.owner.email)
    open_error_page(page, world, webhook_id)
    last_answer = page.get_by_test_id("deliveries").get_by_test_id("last-answer")
    assert last_answer.inner_text().strip() == f"connection refused by 127.0.0.1:{port}"

    page.get_by_role("button", name="Resend delivery", exact=False).click()
    page.get_by_role("link", name="Deliveries", exact=True).click()
    page.get_by_test_id("deliveries").get_by_role("link").first.click()
    assert page.get_by_test_id("attempts").inner_text().startswith("8, every one listed below")
    assert page.get_by_test_id("attempt").count() == 8

    hooks.clock.now = max(hooks.clock.now, datetime.now(UTC))
    hooks.deliver()  # fails once more: the schedule starts again at 5 s
    page.reload()
    attempts = page.get_by_test_id("attempts").inner_text()
    assert attempts.startswith("9, every one listed below")
    assert "The retry schedule (8 tries) has used 1" in attempts
    assert page.get_by_test_id("attempt").count() == 9
    assert page.get_by_test_id("error-words").first.inner_text() == (
        f"connection refused by 127.0.0.1:{port}"
    )
    assert (
        page.get_by_test_id("error-detail").first.inner_text().startswith("ClientConnectorError: ")
    )
    assert page.get_by_role("button", name="Retry now").is_visible()
    shoot(page, "webhook-delivery-attempts", database)

    page.get_by_role("link", name="Preview and test").click()
    page.get_by_role("button", name="Test send").click()
    test_error = page.get_by_test_id("test-error")
    assert test_error.get_by_test_id("error-words").inner_text() == (
        f"connection refused by 127.0.0.1:{port}"
    )
    shoot(page, "webhook-test-send-error", database)


LONG_VALUE = "gclid-" + "Cj0KCQiA" * 16  # 134 characters without a space
LONG_SOURCE = "newsletter-black-friday-2026-early-birds-europe-and-north-america"
ENTITIES = ("visit_id", "campaign_reference", "ga_client", "landing_variant")


def cut_elements(page: Page, test_id: str) -> list[dict[str, Any]]:
    """Each element's text, title, whether its text is cut, its width and its lines."""
    found: list[dict[str, Any]] = page.eval_on_selector_all(
        f'[data-testid="{test_id}"]',
        """elements => elements.map(element => ({
            text: element.textContent, title: element.getAttribute('title'),
            cut: element.scrollWidth > element.clientWidth,
            width: element.getBoundingClientRect().width,
            lines: Math.round(element.getBoundingClientRect().height /
                              parseFloat(getComputedStyle(element).lineHeight || '16')),
        }))""",
    )
    return found


def scrolls_inside(page: Page, test_id: str) -> dict[str, bool]:
    found: dict[str, bool] = page.eval_on_selector(
        f'[data-testid="{test_id}"]',
        """table => {
            const box = table.closest('.table-scroll');
            return {inside: box !== null && box.scrollWidth >= table.scrollWidth,
                    page_fits: document.documentElement.scrollWidth <= window.innerWidth};
        }""",
    )
    return found


def shoot_scrolled(page: Page, name: str, database: Database, test_id: str) -> None:
    """As ``shoot``, with the table scrolled to its far end inside its box: the columns a
    plain screenshot leaves out of sight."""
    if database.backend != "sqlite":
        return
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.eval_on_selector(
            f'[data-testid="{test_id}"]',
            "table => { const box = table.closest('.table-scroll'); "
            "box.scrollLeft = box.scrollWidth; }",
        )
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width_name}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_long_values_leave_the_journal_and_the_deliveries_readable(
    page: Page, world: World, database: Database, hooks: Hooks
) -> None:
    rows = CallRows(database, world.project_id)
    for name in ENTITIES:
        rows.entity(name)
    snapshots = {name: entity_snapshot(f"{LONG_VALUE}-{name}") for name in ENTITIES}
    rows.call(NOW, visit={"utm_source": LONG_SOURCE}, entities=snapshots)
    rows.call(NOW - timedelta(hours=1), entities={"visit_id": entity_snapshot("r7k12")})
    webhook_id, _ = hooks.webhook(events=["call.started", "call.answered", "call.completed"])
    hooks.receiver.default = Answer(200, "ok")
    hooks.call()
    hooks.deliver(rounds=3)

    sign_in(page, world, world.owner.email)
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{world.base_url}/admin/projects/{world.project_id}/calls")
        values = cut_elements(page, "entity-value")
        long_ones = [value for value in values if value["text"] != "r7k12"]
        assert len(long_ones) == len(ENTITIES)
        for value in long_ones:
            assert value["title"] == value["text"]  # the whole value on hover
            assert value["text"].startswith(LONG_VALUE)
            assert value["cut"]
            assert value["lines"] == 1
            assert value["width"] >= 150, f"squeezed to {value['width']} px at {width_name}"
        (source,) = [s for s in cut_elements(page, "source") if s["text"] == LONG_SOURCE]
        assert (source["title"], source["cut"], source["lines"]) == (LONG_SOURCE, True, 1)
        assert scrolls_inside(page, "calls") == {"inside": True, "page_fits": True}

        page.goto(
            f"{world.base_url}/admin/projects/{world.project_id}/webhooks/{webhook_id}/deliveries"
        )
        events = page.eval_on_selector_all(
            "code.event", "codes => codes.map(code => code.getClientRects().length)"
        )
        assert events == [1, 1, 1], f"an event name broke at {width_name}"
        assert scrolls_inside(page, "deliveries") == {"inside": True, "page_fits": True}

    page.goto(f"{world.base_url}/admin/projects/{world.project_id}/calls")
    shoot(page, "calls-long-values", database)
    shoot_scrolled(page, "calls-long-values-scrolled", database, "calls")
    page.get_by_role("link", name="2026-11-27 12:00:00").click()  # the long values' call
    whole = page.get_by_test_id("snapshot-value").all_inner_texts()
    assert sorted(whole) == sorted(f"{LONG_VALUE}-{name}" for name in ENTITIES)
    page.goto(
        f"{world.base_url}/admin/projects/{world.project_id}/webhooks/{webhook_id}/deliveries"
    )
    shoot(page, "deliveries-long-values", database)
