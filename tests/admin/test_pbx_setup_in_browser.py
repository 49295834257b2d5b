"""Project settings → Asterisk and FreeSWITCH in Debian's Chromium: the connection filled in
and saved (the secret never shown again), Check connection against a scripted PBX (it works;
then a wrong secret, said exactly), the state and the last events the listener noted;
screenshots of each section at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.admin.test_twilio_setup_in_browser import shoot_section
from tests.support.admin_browser import sign_in
from tests.support.databases import Database
from tests.support.pbx_servers import (
    FIXTURES,
    ScriptedAmi,
    ScriptedEsl,
    ScriptedServer,
    listening,
    running,
)
from tests.support.people import World
from tests.support.waiting import wait_for


def section_of(page: Page, world: World, name: str) -> Locator:
    # Without a #fragment: going to the URL shown with one only scrolls, it loads nothing.
    page.goto(f"{world.base_url}/admin/projects/{world.project_id}/settings")
    return page.get_by_test_id(f"{name}-section")


def secret_label(name: str) -> str:
    return "Secret" if name == "asterisk" else "Password"


def event_rows(page: Page, world: World, name: str) -> int:
    """Reloads the page and counts the last events shown."""
    rows = section_of(page, world, name).get_by_test_id(f"{name}-events").locator("tbody tr")
    return rows.count()


def newest_event(page: Page, world: World, name: str) -> str:
    """Reloads the page and reads the newest event shown ("" when none)."""
    rows = section_of(page, world, name).get_by_test_id(f"{name}-events").locator("tbody tr")
    return rows.first.inner_text() if rows.count() else ""


def fill_in(section: Locator, server: ScriptedServer, name: str, secret: str) -> None:
    section.get_by_label("Host").fill("127.0.0.1")
    section.get_by_label("Port").fill(str(server.port))
    if name == "asterisk":
        section.get_by_label("AMI user").fill(server.username)
    section.get_by_label(secret_label(name), exact=True).fill(secret)
    section.get_by_role("button", name="Save the").click()


@pytest.mark.parametrize("name", ["asterisk", "freeswitch"])
def test_the_owner_sets_up_a_pbx_checks_it_and_sees_its_events(
    page: Page, world: World, database: Database, name: str
) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    world.owner.client.patch(project, json={"country": "US"})
    number = "+12125550191" if name == "asterisk" else "+12125550192"
    world.owner.client.post(f"{project}/numbers", json={"number": number})
    server = ScriptedAmi() if name == "asterisk" else ScriptedEsl()
    with running(server):
        sign_in(page, world, world.owner.email)
        section = section_of(page, world, name)
        section.get_by_role("button", name="Check connection").click()
        expect(page.get_by_test_id(f"{name}-check")).to_contain_text("set the host")
        section = page.get_by_test_id(f"{name}-section")
        fill_in(section, server, name, "wrong-secret")
        expect(page.get_by_text("settings were saved")).to_be_visible()
        section.get_by_role("button", name="Check connection").click()
        check = page.get_by_test_id(f"{name}-check")
        expect(check).to_contain_text("The connection failed")
        expect(check).to_contain_text(f"127.0.0.1:{server.port} refused the login")
        shoot_section(
            page,
            page.get_by_test_id(f"{name}-section"),
            f"project-settings-{name}-refused",
            database,
        )

        section = section_of(page, world, name)
        secret_box = section.get_by_label(secret_label(name), exact=True)
        expect(secret_box).to_have_value("")  # write-only: never shown again
        secret_box.fill(server.secret)
        section.get_by_role("button", name="Save the").click()
        page.get_by_test_id(f"{name}-section").get_by_role(
            "button", name="Check connection"
        ).click()
        expect(page.get_by_test_id(f"{name}-check")).to_contain_text("The connection works")
        assert server.secret not in page.content()

        with listening(database, (name,)):
            server.wait_for_login(2)  # the check that worked, then the listener
            suffix = "ami" if name == "asterisk" else "esl"
            server.replay(FIXTURES / name / f"missed.{suffix}")
            section = section_of(page, world, name)
            expect(section.get_by_test_id(f"{name}-state")).to_contain_text("connected")
            wait_for(lambda: event_rows(page, world, name) >= 2, "the events on the page")
            # The call's end is the last of the sequence: wait for it, not for any two rows
            # (an ignored call to an untracked number comes first).
            wait_for(lambda: "ended" in newest_event(page, world, name), "the call's end")
            section = page.get_by_test_id(f"{name}-section")
            events = section.get_by_test_id(f"{name}-events")
            expect(events.locator("tbody tr").first).to_contain_text("ended")
            expect(events.locator("tbody tr").first).to_contain_text("recorded")
            shoot_section(page, section, f"project-settings-{name}", database)


def test_a_bad_port_is_shown_at_its_field(page: Page, world: World) -> None:
    sign_in(page, world, world.owner.email)
    section = section_of(page, world, "asterisk")
    section.get_by_label("Port").fill("70000")
    section.get_by_role("button", name="Save the").click()

    section = page.get_by_test_id("asterisk-section")
    expect(section.locator("#asterisk-port-error")).to_be_visible()
    expect(section.get_by_label("Port")).to_have_value("70000")
