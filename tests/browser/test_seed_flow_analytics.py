"""The seed into the analytics tools, in Chromium: a visit on the shop with the cookies GA4's
gtag.js and Matomo's tracker set (`_ga`, `_ga_<stream>` in the older GS1 or the newer GS2 form,
`_pk_id.<site>.<hash>`), a call to its number through the generic telephony API, and a local
receiver standing in for GA4 and Matomo that gets both requests; each is checked against the
protocol's documented rules (tests/support/analytics_protocols.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.support.analytics_protocols import ga4_request, matomo_request
from tests.support.collector import public_key
from tests.support.databases import Database
from tests.support.hooks import Clock, Hooks
from tests.support.people import World
from tests.support.receiver import receiving
from tests.support.static_site import StaticSite, serve_folder
from tests.support.waiting import wait_for

SHOP = Path(__file__).parent / "fixtures" / "shop"
SEED = {"name": "visit_id", "type": "expression", "scope": "session", "value": "r7k12_si"}
MATOMO_VISITOR = "5f2c9a1e0b7d4c38"


@pytest.fixture
def shop(world: World, database: Database, tmp_path: Path) -> Iterator[StaticSite]:
    """The fixture shop (it sets _ga itself, as gtag.js would), its snippet pointing at the
    real Dialtrail server."""
    entities = f"/api/v1/projects/{world.project_id}/tracking-entities"
    assert world.owner.client.post(entities, json=SEED).status_code == 201
    key = public_key(database, world.project_id)
    for page in SHOP.iterdir():
        html = page.read_text().replace("{{DIALTRAIL}}", world.base_url).replace("{{KEY}}", key)
        (tmp_path / page.name).write_text(html)
    with serve_folder(tmp_path) as site:
        yield site


@pytest.mark.parametrize(
    "ga4_cookie",
    [
        "GS1.1.1764921600.3.1.1764921710.0.0.0",
        "GS2.1.s1764921600$o3$g1$t1764921710$j50$l0$h0",
    ],
)
def test_a_call_from_the_shop_reaches_ga4_and_matomo_as_the_visitors_event(
    page: Page, world: World, database: Database, shop: StaticSite, ga4_cookie: str
) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(project, json={"site_numbers": ["+12125550123"]})
    world.owner.client.post(f"{project}/numbers", json={"number": "+12125550195"})
    page.context.add_cookies(
        [
            {"name": "_ga_K3Q9ZL2M7P", "value": ga4_cookie, "url": shop.base_url},
            {
                "name": "_pk_id.1.1fff",
                "value": f"{MATOMO_VISITOR}.1764921000.",
                "url": shop.base_url,
            },
        ]
    )
    with receiving() as receiver:
        hooks = Hooks(database, world, receiver, Clock(datetime.now(UTC)))
        ga4 = {
            "measurement_id": "G-K3Q9ZL2M7P",
            "api_secret": "s3cr3t-Api_Value",
            "endpoint": receiver.url,
            "filters": [{"field": "call.disposition", "op": "eq", "value": "answered"}],
            "parameters": [{"name": "visit_id", "value": "entity.visit_id"}],
        }
        matomo = {
            "url": receiver.url,
            "site_id": 1,
            "token_auth": "0123456789abcdef0123456789abcdef",
            "parameters": [
                {"name": "e_c", "constant": "Phone calls"},
                {"name": "e_a", "value": "call.disposition"},
                {"name": "dimension1", "value": "entity.visit_id"},
            ],
        }
        for kind, settings in (("ga4", ga4), ("matomo", matomo)):
            added = world.owner.client.post(f"{project}/integrations/{kind}", json=settings)
            assert added.status_code == 201, added.text

        page.goto(shop.base_url + "/index.html")
        page.wait_for_function("window.dialtrail && window.r7k12_si === 'visit-2'")
        page.wait_for_function("dialtrail.number() === '+12125550195'")
        session_id = page.evaluate("dialtrail.session().session")
        page.click("#contacts")  # pagehide sends visit-2
        # The contacts page's view must be in before the call: it is the page seen last.
        wait_for(
            lambda: (
                (seen := world.owner.client.get(f"{project}/sessions/{session_id}").json())[
                    "entities"
                ].get("visit_id")
                == "visit-2"
                and seen["page_views"] == 2
            ),
            "visit_id and the contacts page's view to arrive",
        )
        detail = world.owner.client.get(f"{project}/sessions/{session_id}").json()
        assert (detail["ga_session_id"], detail["ga_session_number"]) == ("1764921600", 3)
        assert detail["matomo_visitor_id"] == MATOMO_VISITOR

        start = hooks.clock.now = datetime.now(UTC)
        started = hooks.report("started", called="+1 212 555 0195", at=start.isoformat()).json()
        answered = (start + timedelta(seconds=4)).isoformat()
        hooks.report("answered", called="+1 212 555 0195", at=answered)
        ended = (start + timedelta(seconds=46)).isoformat()
        hooks.report("ended", called="+1 212 555 0195", at=ended, duration_seconds=46)
        call = world.owner.client.get(started["url"]).json()
        assert (call["attribution"], call["session_id"]) == ("session", session_id)

        hooks.clock.now = datetime.now(UTC)
        assert hooks.deliver() == 2
        by_path = {request.path: request for request in receiver.received}

    now = datetime.now(UTC)
    body = ga4_request(by_path["/mp/collect"], now)
    assert body["client_id"] == "1111111111.2222222222"
    (event,) = body["events"]
    assert event["name"] == "phone_call"
    assert event["params"] == {
        "session_id": "1764921600",
        "session_number": 3,
        "engagement_time_msec": 42_000,
        "visit_id": "visit-2",
    }
    fields = matomo_request(by_path["/matomo.php"], now)
    assert (fields["idsite"], fields["_id"]) == ("1", MATOMO_VISITOR)
    assert (fields["e_c"], fields["e_a"], fields["dimension1"]) == (
        "Phone calls",
        "answered",
        "visit-2",
    )
    assert fields["url"] == shop.base_url + "/contacts.html"  # the page seen last
