"""The seed end to end through each self-hosted PBX adapter (Asterisk over AMI, FreeSWITCH over
its event socket): a visit in Chromium with its visit_id, the number the page shows dialled on
a scripted PBX, the call followed by the real listener, attributed to the visit with the
entity's value, and the webhook delivered."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page

from tests.browser.test_seed_flow import session_detail
from tests.calls.test_pbx_listeners import NUMBERS, SUFFIX, calls, configure, scripted
from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.pbx_servers import FIXTURES, listening, running
from tests.support.people import World
from tests.support.receiver import receiving
from tests.support.static_site import StaticSite
from tests.support.waiting import wait_for

pytest_plugins = ["tests.browser.test_seed_flow"]  # its shop fixture: the site and the entity


@pytest.mark.parametrize("name", ["asterisk", "freeswitch"])
def test_a_call_through_the_pbx_to_the_shown_number_reaches_the_crm_with_the_visit_id(
    name: str, page: Page, world: World, database: Database, shop: StaticSite
) -> None:
    number = NUMBERS[name]  # the pool's one number, the DID the fixture dials (country US)
    project = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(project, json={"site_numbers": ["+12125550123"]})
    with running(scripted(name)) as pbx, receiving() as receiver:
        configure(world, name, pbx)
        hooks = Hooks(database, world, receiver, Clock(datetime.now(UTC)))
        hooks.webhook(parameters=[
            {"name": "visit id", "value": "entity.visit_id"},
            {"name": "disposition", "value": "call.disposition"},
        ])  # fmt: skip
        page.goto(shop.base_url + "/index.html")
        page.wait_for_function("window.dialtrail && window.r7k12_si === 'visit-2'")
        page.wait_for_function(f"dialtrail.number() === '{number}'")
        session_id = page.evaluate("dialtrail.session().session")
        page.click("#contacts")  # pagehide sends visit-2
        wait_for(
            lambda: session_detail(world, session_id)["entities"].get("visit_id") == "visit-2",
            "visit_id to arrive",
        )

        with listening(database, (name,)):
            pbx.wait_for_login(1)
            # The caller dials the shown number (the DID as the trunk gives it, without +1) now.
            pbx.replay(FIXTURES / name / f"answered.{SUFFIX[name]}", start=time.time())
            [call] = wait_for(lambda: [c for c in calls(world) if c["ended_at"]], "the call")

        assert (call["provider"], call["attribution"]) == (name, "session")
        assert call["session_id"] == session_id
        assert call["tracking_number"] == number
        assert call["entities"]["visit_id"]["value"] == "visit-2"
        hooks.clock.now = datetime.now(UTC)
        assert hooks.deliver() == 1
        [request] = receiver.received
    assert json.loads(request.body) == {"visit id": "visit-2", "disposition": "answered"}
