"""The seed end to end through the Asterisk adapter: a visit in Chromium with its visit_id, the
number the page shows dialled on a (scripted) Asterisk, the call followed over AMI by the real
listener, attributed to the visit with the entity's value, and the webhook delivered."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from playwright.sync_api import Page

from tests.browser.test_seed_flow import session_detail
from tests.calls.test_pbx_listeners import calls, configure
from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.pbx_servers import FIXTURES, ScriptedAmi, listening, running
from tests.support.people import World
from tests.support.receiver import receiving
from tests.support.static_site import StaticSite
from tests.support.waiting import wait_for

pytest_plugins = ["tests.browser.test_seed_flow"]  # its shop fixture: the site and the entity


def test_a_call_over_ami_to_the_shown_number_reaches_the_crm_with_the_visit_id(
    page: Page, world: World, database: Database, shop: StaticSite
) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(project, json={"site_numbers": ["+12125550123"]})
    with running(ScriptedAmi()) as asterisk, receiving() as receiver:
        configure(world, "asterisk", asterisk)  # the pool number +12125550191, country US
        hooks = Hooks(database, world, receiver, Clock(datetime.now(UTC)))
        hooks.webhook(parameters=[
            {"name": "visit id", "value": "entity.visit_id"},
            {"name": "disposition", "value": "call.disposition"},
        ])  # fmt: skip
        page.goto(shop.base_url + "/index.html")
        page.wait_for_function("window.dialtrail && window.r7k12_si === 'visit-2'")
        page.wait_for_function("dialtrail.number() === '+12125550191'")
        session_id = page.evaluate("dialtrail.session().session")
        page.click("#contacts")  # pagehide sends visit-2
        wait_for(
            lambda: session_detail(world, session_id)["entities"].get("visit_id") == "visit-2",
            "visit_id to arrive",
        )

        with listening(database, ("asterisk",)):
            asterisk.wait_for_login(1)
            # The caller dials 2125550191 (the DID as the trunk gives it) now.
            asterisk.replay(FIXTURES / "asterisk" / "answered.ami", start=time.time())
            [call] = wait_for(lambda: [c for c in calls(world) if c["ended_at"]], "the call")

        assert (call["provider"], call["attribution"]) == ("asterisk", "session")
        assert call["session_id"] == session_id
        assert call["entities"]["visit_id"]["value"] == "visit-2"
        hooks.clock.now = datetime.now(UTC)
        assert hooks.deliver() == 1
        [request] = receiver.received
    assert json.loads(request.body) == {"visit id": "visit-2", "disposition": "answered"}
