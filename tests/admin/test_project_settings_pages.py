"""Set-up → Project settings, New project and Delete project through the forms: the projects
API's rules and messages at their fields (site numbers and domains at their lines), the Twilio
auth token write-only, owners change, members read, outsiders 404, CSRF, delete confirmed."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select

from dialtrail.calls.adapters.twilio.models import TwilioSettings
from dialtrail.projects.models import Project
from tests.admin.conftest import SignedIn
from tests.support.admin import signed_in
from tests.support.databases import Database
from tests.support.people import World, create_person

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "s3cretTwilioToken0123456789abcdef"
SETTINGS = {
    "name": "Acme shop",
    "domains": "shop.example.com\nwww.example.com",
    "site_numbers": "+1 212 555 0100",
    "default_number": "",
    "country": "US",
    "destination": "sip:desk@pbx.example.com",
    "timezone": "America/New_York",
    "twilio_account_sid": "",
    "twilio_auth_token": "",
}


def project(world: World, project_id: int | None = None) -> dict[str, Any]:
    url = f"/api/v1/projects/{project_id or world.project_id}"
    body: dict[str, Any] = world.owner.client.get(url).json()
    return body


def field_error(page: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no error at {field_id}"
    return html.unescape(found.group(1))


def line_errors(page: str, field: str) -> list[str]:
    found = re.search(rf'data-testid="{field}-line-errors">(.*?)</ul>', page, re.S)
    assert found is not None, f"no line errors at {field}"
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", found.group(1))]


def switcher_names(page: str) -> list[str]:
    switcher = page.split('id="project-switcher"')[1].split("</select>")[0]
    return [html.unescape(name) for name in re.findall(r">([^<]+)</option>", switcher)]


def stored_token(database: Database, project_id: int) -> str:
    with database.session() as session:
        query = select(TwilioSettings.auth_token).where(TwilioSettings.project_id == project_id)
        sealed = session.scalars(query).one()
    assert sealed, "no token is stored"
    return sealed


def save(owner: SignedIn, **changes: str) -> Any:
    return owner.post(f"{owner.project}/settings", **{**SETTINGS, **changes})


def test_a_project_created_through_the_form_is_owned_listed_and_installed(
    world: World, owner: SignedIn, database: Database
) -> None:
    created = owner.post(
        "/admin/projects/new",
        name="Second shop",
        domains="second.example.com",
        site_numbers="+1 (212) 555-0123",
        timezone="Europe/Kyiv",
    )

    assert created.status_code == 303
    installation = owner.client.get(created.headers["location"])
    new_id = int(created.headers["location"].split("/")[3])
    with database.session() as session:
        key = session.scalars(select(Project.public_key).where(Project.id == new_id)).one()
    assert f"{world.base_url}/s/{key}.js" in html.unescape(installation.text)
    assert switcher_names(installation.text) == ["Acme", "Second shop"]
    made = project(world, new_id)
    assert (made["role"], made["site_numbers"], made["timezone"]) == (
        "owner",
        ["+12125550123"],
        "Europe/Kyiv",
    )


@pytest.mark.storage_agnostic
def test_the_new_project_form_shows_the_apis_errors_and_creates_nothing(
    world: World, owner: SignedIn
) -> None:
    nameless = owner.post("/admin/projects/new", name=" ")
    refused = owner.post("/admin/projects/new", name="Shop", site_numbers="+1 212 555 0100\n\n555")

    assert (nameless.status_code, refused.status_code) == (422, 422)
    assert field_error(nameless.text, "name")
    assert line_errors(refused.text, "site_numbers")[0].startswith("Line 3: '555' is not a valid")
    assert 'value="Shop"' in refused.text
    assert len(world.owner.client.get("/api/v1/projects").json()["items"]) == 1


@pytest.mark.storage_agnostic
def test_the_new_project_form_shows_every_problem_at_once_in_plain_words(
    world: World, owner: SignedIn
) -> None:
    refused = owner.post(
        "/admin/projects/new",
        name="",
        domains="https://www.example.com/",
        site_numbers="12345\nabc",
        country="UK",
        destination="my phone",
    )

    assert refused.status_code == 422
    assert field_error(refused.text, "name") == "Give the project a name."
    assert "String should have" not in refused.text
    assert line_errors(refused.text, "domains")[0].startswith("Line 1: 'https://www.example.com/'")
    assert [line[:7] for line in line_errors(refused.text, "site_numbers")] == [
        "Line 1:",
        "Line 2:",
    ]
    assert "the United Kingdom's code is GB" in field_error(refused.text, "country")
    assert "my phone" in field_error(refused.text, "destination")
    assert len(world.owner.client.get("/api/v1/projects").json()["items"]) == 1


def test_new_project_is_reachable_from_the_switcher_and_the_no_projects_hint(
    world: World, database: Database, owner: SignedIn
) -> None:
    page = owner.client.get(f"{owner.project}/entities").text
    assert 'href="/admin/projects/new"' in page
    with database.session() as session:
        create_person(session, "newcomer@example.com", superuser=False)
        session.commit()
    newcomer, _ = signed_in(world.base_url, "newcomer@example.com")  # in no project yet
    hint = newcomer.get("/admin/")
    newcomer.close()
    assert "No projects yet" in hint.text
    assert '<a href="/admin/projects/new">Create a project</a>' in hint.text


def test_the_owner_saves_every_setting(world: World, owner: SignedIn) -> None:
    form = owner.client.get(f"{owner.project}/settings")
    assert form.status_code == 200
    assert "Project settings" in form.text

    saved = save(owner, allow_raw_js="on", twilio_account_sid=SID, twilio_auth_token=TOKEN)

    assert saved.status_code == 303
    assert "The settings were saved." in owner.client.get(saved.headers["location"]).text
    settings = project(world)
    assert {name: settings[name] for name in SETTINGS if not name.startswith("twilio_")} == {
        "name": "Acme shop",
        "domains": ["shop.example.com", "www.example.com"],
        "site_numbers": ["+12125550100"],
        "default_number": "+12125550100",  # the first site number, as the box was empty
        "country": "US",
        "destination": "sip:desk@pbx.example.com",
        "timezone": "America/New_York",
    }
    twilio = world.owner.client.get(f"/api/v1/projects/{world.project_id}/telephony/twilio")
    assert (twilio.json()["account_sid"], twilio.json()["configured"]) == (SID, True)
    assert settings["allow_raw_js"] is True


def test_the_owner_chooses_how_the_script_waits_for_consent(world: World, owner: SignedIn) -> None:
    form = owner.client.get(f"{owner.project}/settings").text
    assert 'name="consent" value="not_required" checked' in form

    saved = save(owner, consent="cookieless")
    kept = save(owner)  # a form without the choice keeps it

    assert (saved.status_code, kept.status_code) == (303, 303)
    assert project(world)["consent"] == "cookieless"
    form = owner.client.get(f"{owner.project}/settings").text
    assert 'name="consent" value="cookieless" checked' in form


@pytest.mark.storage_agnostic
def test_each_section_of_the_settings_page_is_a_card_of_its_own(owner: SignedIn) -> None:
    page = Sections()
    page.feed(owner.client.get(f"{owner.project}/settings").text)

    assert page.nested == []
    assert {"Visitors' consent", "Privacy and retention"} <= set(page.headings)


class Sections(HTMLParser):
    """The headings of the page's sections, and those of sections found inside another (an
    unclosed section swallows the cards after it)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.headings: list[str] = []
        self.nested: list[str] = []
        self.in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.open.append(tag)
        self.in_heading = tag == "h2"

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.open:
            self.open.pop()
        self.in_heading = False

    def handle_data(self, data: str) -> None:
        if self.in_heading:
            self.headings.append(data)
            if len(self.open) > 1:
                self.nested.append(data)


@pytest.mark.storage_agnostic
def test_an_unknown_consent_mode_is_refused_at_its_field(world: World, owner: SignedIn) -> None:
    refused = save(owner, consent="sometimes")

    assert refused.status_code == 422
    assert "'not_required', 'required' or 'cookieless'" in field_error(refused.text, "consent")
    assert project(world)["consent"] == "not_required"


@pytest.mark.storage_agnostic
def test_a_bad_site_number_is_shown_at_its_line_and_nothing_changes(
    world: World, owner: SignedIn
) -> None:
    before = project(world)

    refused = save(owner, name="Renamed", site_numbers="+1 212 555 0100\n\n+1 212 555")

    assert refused.status_code == 422
    assert line_errors(refused.text, "site_numbers") == [
        "Line 3: '+1 212 555' is not a valid phone number"
    ]
    assert "fix line 3" in field_error(refused.text, "site_numbers")
    assert "+1 212 555" in refused.text  # the box keeps what was typed
    assert project(world) == before


@pytest.mark.storage_agnostic
def test_a_blank_name_in_the_settings_does_not_hide_a_bad_site_number(
    world: World, owner: SignedIn
) -> None:
    refused = save(owner, name="   ", site_numbers="+1 212 555 0100\n+1 212 555")

    assert refused.status_code == 422
    assert field_error(refused.text, "name") == "Give the project a name."
    assert line_errors(refused.text, "site_numbers")[0].startswith("Line 2: ")
    assert project(world)["name"] == "Acme"


@pytest.mark.storage_agnostic
def test_a_domain_given_as_a_url_gets_the_apis_hint_at_its_line(
    world: World, owner: SignedIn
) -> None:
    refused = save(owner, domains="shop.example.com\nhttps://www.example.com/")

    assert refused.status_code == 422
    assert line_errors(refused.text, "domains") == [
        "Line 2: 'https://www.example.com/' is a URL; give only the host name, such as example.com"
    ]
    assert project(world)["domains"] == []


def test_the_twilio_token_is_never_shown_and_a_blank_box_keeps_it(
    world: World, owner: SignedIn, database: Database
) -> None:
    save(owner, twilio_account_sid=SID, twilio_auth_token=TOKEN)
    sealed = stored_token(database, world.project_id)

    page = owner.client.get(f"{owner.project}/settings").text
    kept = save(owner, twilio_account_sid=SID, name="Renamed")
    refused = save(owner, twilio_account_sid=SID, twilio_auth_token=TOKEN, timezone="Mars/Base")

    assert 'data-testid="twilio-status">Credentials:' in page
    assert ">configured<" in page
    assert TOKEN not in page
    assert sealed not in page
    assert kept.status_code == 303
    assert refused.status_code == 422
    assert TOKEN not in refused.text
    assert project(world)["name"] == "Renamed"
    assert stored_token(database, world.project_id) == sealed


def test_the_stored_twilio_token_is_removed_only_when_asked(world: World, owner: SignedIn) -> None:
    save(owner, twilio_account_sid=SID, twilio_auth_token=TOKEN)

    save(owner, twilio_account_sid=SID, forget_twilio_auth_token="on")

    twilio = world.owner.client.get(f"/api/v1/projects/{world.project_id}/telephony/twilio")
    assert (twilio.json()["account_sid"], twilio.json()["configured"]) == (SID, False)
    assert "not configured" in owner.client.get(f"{owner.project}/settings").text


@pytest.mark.storage_agnostic
def test_a_member_sees_the_settings_read_only_and_cannot_post_them(world: World) -> None:
    member, csrf = signed_in(world.base_url, world.member.email)
    page = member.get(f"/admin/projects/{world.project_id}/settings")
    posted = member.post(
        f"/admin/projects/{world.project_id}/settings", data={"csrf_token": csrf, **SETTINGS}
    )
    deleting = member.get(f"/admin/projects/{world.project_id}/settings/delete")
    deleted = member.post(
        f"/admin/projects/{world.project_id}/settings/delete",
        data={"csrf_token": csrf, "confirm_name": "Acme"},
    )
    member.close()

    assert page.status_code == 200
    assert 'data-testid="read-only"' in page.text
    assert "<fieldset disabled>" in page.text
    assert "Save the settings" not in page.text
    assert "Delete the project" not in page.text
    assert [posted.status_code, deleting.status_code, deleted.status_code] == [403, 403, 403]
    assert project(world)["name"] == "Acme"


@pytest.mark.storage_agnostic
def test_an_outsider_gets_404_and_changes_nothing(world: World) -> None:
    outsider, csrf = signed_in(world.base_url, world.outsider.email)
    base = f"/admin/projects/{world.project_id}/settings"
    answers = [
        outsider.get(base),
        outsider.post(base, data={"csrf_token": csrf, **SETTINGS}),
        outsider.get(f"{base}/delete"),
        outsider.post(f"{base}/delete", data={"csrf_token": csrf, "confirm_name": "Acme"}),
    ]
    outsider.close()

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert project(world)["name"] == "Acme"


@pytest.mark.storage_agnostic
def test_a_post_without_the_csrf_token_is_refused(world: World, owner: SignedIn) -> None:
    changed = owner.client.post(f"{owner.project}/settings", data=SETTINGS)
    deleted = owner.client.post(f"{owner.project}/settings/delete", data={"confirm_name": "Acme"})
    created = owner.client.post("/admin/projects/new", data={"name": "Sneaky"})

    assert [changed.status_code, deleted.status_code, created.status_code] == [403, 403, 403]
    listed = world.owner.client.get("/api/v1/projects").json()["items"]
    assert [item["name"] for item in listed] == ["Acme"]


def test_delete_asks_for_the_name_first_then_the_project_is_gone(
    world: World, owner: SignedIn
) -> None:
    confirm = owner.client.get(f"{owner.project}/settings/delete")
    wrong = owner.post(f"{owner.project}/settings/delete", confirm_name="Acm")
    still_there = world.owner.client.get(f"/api/v1/projects/{world.project_id}").status_code

    deleted = owner.post(f"{owner.project}/settings/delete", confirm_name="Acme")

    assert confirm.status_code == 200
    assert "Delete the project Acme?" in confirm.text
    assert wrong.status_code == 422
    assert field_error(wrong.text, "confirm_name") == "type the project's name exactly as shown"
    assert still_there == 200
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/admin/")
    assert world.owner.client.get(f"/api/v1/projects/{world.project_id}").status_code == 404
    assert owner.client.get(f"{owner.project}/settings").status_code == 404
    landing = owner.client.get("/admin/", follow_redirects=True).text
    assert "The project Acme and all its data were deleted." in landing


def test_saving_settings_without_twilio_writes_no_twilio_row(
    world: World, owner: SignedIn, database: Database
) -> None:
    saved = save(owner, twilio_account_sid="")

    assert saved.status_code == 303
    with database.session() as session:
        assert session.get(TwilioSettings, world.project_id) is None


def test_the_owner_sets_privacy_and_retention(world: World, owner: SignedIn) -> None:
    form = owner.client.get(f"{owner.project}/settings").text
    assert 'id="redact_personal_data" name="redact_personal_data" checked' in form
    assert 'name="session_retention_months" type="number" min="1" max="120" value="13"' in form
    assert "is kept 48 hours once derived" in form  # the journal's, a server setting

    saved = save(
        owner,
        session_retention_months="6",
        call_retention_months="36",
        webhook_log_retention_days="7",
    )

    assert saved.status_code == 303
    settings = project(world)
    assert settings["redact_personal_data"] is False  # the box was not ticked
    assert (
        settings["session_retention_months"],
        settings["call_retention_months"],
        settings["webhook_log_retention_days"],
    ) == (6, 36, 7)


@pytest.mark.storage_agnostic
def test_a_retention_out_of_range_is_shown_at_its_field_and_nothing_changes(
    world: World, owner: SignedIn
) -> None:
    before = project(world)

    refused = save(owner, redact_personal_data="on", call_retention_months="0")

    assert refused.status_code == 422
    assert "1" in field_error(refused.text, "call_retention_months")
    assert project(world) == before
