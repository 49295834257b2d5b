"""The seed end to end through the Telnyx and Vonage adapters, in Chromium: a visit to the
shop (tests/browser/test_seed_flow.py's fixture) sees its leased number; the provider reports
a call to that number with its own signed webhooks, to a server whose Telnyx API is a local
receiver; the call carries the visit's entity value, and the CRM's webhook delivers it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Page

from tests.browser import test_seed_flow
from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.people import World
from tests.support.providers import (
    give_telnyx_keys,
    give_vonage_keys,
    send_telnyx,
    send_vonage,
    server_for_providers,
)
from tests.support.receiver import receiving
from tests.support.static_site import StaticSite
from tests.support.waiting import wait_for

shop = test_seed_flow.shop  # the same shop, its snippet pointing at the real server
CALLER = "+12015550123"
DESTINATION = "+12125550100"
MAPPING = [
    {"name": "visit id", "value": "entity.visit_id"},
    {"name": "ga", "value": "visit.ga_client_id"},
]


def visit_holding(page: Page, world: World, shop: StaticSite, number: str) -> str:
    """A visit that sees ``number`` and sets visit_id to visit-2: its session id."""
    project = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(
        project, json={"site_numbers": ["+12125550123"], "destination": DESTINATION}
    )
    assert world.owner.client.post(f"{project}/numbers", json={"number": number}).is_success
    page.goto(shop.base_url + "/index.html")
    page.wait_for_function("window.dialtrail && window.r7k12_si === 'visit-2'")
    page.wait_for_function(f"dialtrail.number() === '{number}'")
    session_id: str = page.evaluate("dialtrail.session().session")
    page.click("#contacts")  # pagehide sends visit-2
    wait_for(
        lambda: (
            test_seed_flow.session_detail(world, session_id)["entities"].get("visit_id")
            == "visit-2"
        ),
        "visit_id to arrive",
    )
    return session_id


def test_a_telnyx_call_reaches_the_crm_with_the_visit_id(
    page: Page, world: World, database: Database, shop: StaticSite
) -> None:
    number = "+12125550195"
    give_telnyx_keys(world)
    session_id = visit_holding(page, world, shop, number)
    with receiving() as crm, server_for_providers(database) as (server, telnyx_api):
        hooks = Hooks(database, world, crm, Clock(datetime.now(UTC)))
        hooks.webhook(parameters=MAPPING)
        now = datetime.now(UTC)
        caller_leg = {"from": CALLER, "to": number, "start_time": now.isoformat()}
        destination_leg = {"from": number, "to": DESTINATION}
        ended = {**caller_leg, "end_time": (now + timedelta(seconds=42)).isoformat()}
        steps = [
            ("call-initiated", now, caller_leg),
            ("call-answered-caller", now + timedelta(seconds=1), caller_leg),
            ("call-initiated-destination", now + timedelta(seconds=1), destination_leg),
            ("call-answered-destination", now + timedelta(seconds=6), destination_leg),
            ("call-hangup-caller", now + timedelta(seconds=42), ended),
        ]
        answers = [
            send_telnyx(server, world.project_id, fixture, at, fields).status_code
            for fixture, at, fields in steps
        ]
        hooks.clock.now = datetime.now(UTC) + timedelta(minutes=1)
        delivered = hooks.deliver()
        commands = [request.path.rsplit("/", 1)[-1] for request in telnyx_api.received]
        [request] = crm.received
    assert answers == [200] * 5
    assert commands == ["answer", "transfer"]
    call = calls(world)[0]
    assert (call["provider"], call["attribution"], call["session_id"]) == (
        "telnyx",
        "session",
        session_id,
    )
    assert call["entities"]["visit_id"]["value"] == "visit-2"
    assert (call["disposition"], call["duration_seconds"]) == ("answered", 42)
    assert delivered == 1
    assert json.loads(request.body) == {"visit id": "visit-2", "ga": "1111111111.2222222222"}


def test_a_vonage_call_reaches_the_crm_with_the_visit_id(
    page: Page, world: World, database: Database, shop: StaticSite
) -> None:
    number = "+12125550196"
    give_vonage_keys(world)
    session_id = visit_holding(page, world, shop, number)
    with receiving() as crm, server_for_providers(database) as (server, _):
        hooks = Hooks(database, world, crm, Clock(datetime.now(UTC)))
        hooks.webhook(parameters=MAPPING)
        now = datetime.now(UTC)
        inbound = {"from": CALLER[1:], "to": number[1:]}
        answer = send_vonage(server, world.project_id, "answer", "answer", now, inbound)
        later = [
            ("event-answered-outbound", now + timedelta(seconds=5), None),
            ("event-completed-outbound", now + timedelta(seconds=35), {"duration": "30"}),
            ("event-completed-inbound", now + timedelta(seconds=35), inbound),
        ]
        answers = [
            send_vonage(server, world.project_id, "event", fixture, at, fields).status_code
            for fixture, at, fields in later
        ]
        hooks.clock.now = datetime.now(UTC) + timedelta(minutes=1)
        delivered = hooks.deliver()
        [request] = crm.received
    assert answer.status_code == 200, answer.text
    [connect] = answer.json()
    assert connect["endpoint"] == [{"type": "phone", "number": DESTINATION[1:]}]
    assert answers == [200] * 3
    call = calls(world)[0]
    assert (call["provider"], call["attribution"], call["session_id"]) == (
        "vonage",
        "session",
        session_id,
    )
    assert call["entities"]["visit_id"]["value"] == "visit-2"
    assert (call["disposition"], call["talk_seconds"]) == ("answered", 30)
    assert delivered == 1
    assert json.loads(request.body) == {"visit id": "visit-2", "ga": "1111111111.2222222222"}


def calls(world: World) -> list[dict[str, Any]]:
    response = world.owner.client.get(f"/api/v1/projects/{world.project_id}/calls")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
