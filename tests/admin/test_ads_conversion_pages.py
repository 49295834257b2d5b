"""Integrations → Ads conversions over httpx: the form refuses as the API does, at the field
and with nothing stored; the password is shown once; the file downloads with the sign-in."""

from __future__ import annotations

import csv
import io

import pytest

from dialtrail.admin.ads_conversions import files_warning
from tests.admin.conftest import SignedIn
from tests.conversions.conftest import fetch, issue
from tests.support.people import World


def page_of(owner: SignedIn) -> str:
    response = owner.client.get(f"{owner.project}/ads-conversions")
    assert response.status_code == 200, response.text
    return response.text


def names(world: World) -> list[str]:
    url = f"/api/v1/projects/{world.project_id}/ads-conversions"
    return [item["name"] for item in world.owner.client.get(url).json()["items"]]


def enabled(world: World) -> list[bool]:
    url = f"/api/v1/projects/{world.project_id}/ads-conversions"
    return [item["enabled"] for item in world.owner.client.get(url).json()["items"]]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": "Call", "value": "10", "currency": "EURO"}, "currency", "ISO 4217"),
        ({"name": "Call", "currency": "EUR"}, "currency", "needs a value"),
        ({"name": "", "value": ""}, "name", "at least 1"),
        ({"name": "Call", "value": "ten"}, "value", "decimal"),
        ({"name": "Call", "min_talk_seconds": "soon"}, "min_talk_seconds", "integer"),
    ],
)
def test_a_bad_conversion_is_shown_at_its_field_and_not_stored(
    owner: SignedIn, world: World, fields: dict[str, str], field: str, words: str
) -> None:
    response = owner.post(f"{owner.project}/ads-conversions", **fields)

    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    error = response.text.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert words.lower() in error.lower()
    assert names(world) == []


def test_a_conversion_is_added_with_its_filters_and_deleted(owner: SignedIn, world: World) -> None:
    added = owner.post(
        f"{owner.project}/ads-conversions",
        name="Qualified call",
        value="99.5",
        currency="gbp",
        min_talk_seconds="60",
        answered_only="on",
    )

    assert added.status_code == 303
    html = page_of(owner)
    assert "Qualified call" in html
    assert "answered, talked at least 60 s" in html
    assert "99.5 GBP" in html
    conversion_id = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/ads-conversions"
    ).json()["items"][0]["id"]
    switched = owner.post(f"{owner.project}/ads-conversions/{conversion_id}/switch", enabled="off")
    assert switched.status_code == 303
    assert enabled(world) == [False]
    owner.post(f"{owner.project}/ads-conversions/{conversion_id}/switch", enabled="on")
    assert enabled(world) == [True]
    deleted = owner.post(f"{owner.project}/ads-conversions/{conversion_id}/delete")
    assert deleted.status_code == 303
    assert names(world) == []


def test_the_password_is_shown_once_and_a_rotation_asks_first(owner: SignedIn) -> None:
    html = page_of(owner)
    assert "No credentials yet" in html
    assert "DIALTRAIL_BASE_URL is not set" in html  # the URLs would not reach this server

    issued = owner.post(f"{owner.project}/ads-conversions/credentials")

    assert issued.status_code == 303
    first = page_of(owner)
    assert 'data-testid="issued-password"' in first
    again = page_of(owner)
    assert 'data-testid="issued-password"' not in again
    assert "The password was shown once" in again
    assert "The current one stops working at once" in again  # the rotation's confirmation


def test_a_form_without_its_csrf_token_changes_nothing(owner: SignedIn, world: World) -> None:
    response = owner.client.post(f"{owner.project}/ads-conversions", data={"name": "Call"})

    assert response.status_code == 403
    assert names(world) == []


def test_the_file_downloads_with_the_sign_in(owner: SignedIn) -> None:
    response = owner.client.get(f"{owner.project}/ads-conversions/files/microsoft.csv")

    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    lines = response.text.split("\r\n")
    assert lines[0] == "Parameters:TimeZone=+0000"
    assert next(csv.reader(io.StringIO(lines[1])))[0] == "Microsoft Click ID"


def test_another_accounts_project_is_not_found(owner: SignedIn, world: World) -> None:
    other = f"/admin/projects/{world.other_project_id}/ads-conversions"

    assert owner.client.get(other).status_code == 404
    assert owner.post(f"{other}/credentials").status_code == 404


def test_an_http_base_url_warns_that_the_password_would_travel_unencrypted() -> None:
    warning = files_warning("http://calls.example.com", "http://calls.example.com")

    assert warning is not None
    assert warning.startswith("DIALTRAIL_BASE_URL (http://calls.example.com) is not https")
    assert "the files' password and your conversions" in warning
    assert "callers' numbers" not in warning  # the files carry click ids, not numbers
    assert files_warning("https://calls.example.com", "https://calls.example.com") is None


def test_the_admin_page_lists_the_fetches_and_says_what_to_do_about_a_refused_one(
    owner: SignedIn, world: World
) -> None:
    page = owner.client.get(f"{owner.project}/ads-conversions").text
    assert 'data-testid="no-fetches-google"' in page
    credentials = issue(world)
    fetch(world, "google-ads.csv", credentials)
    served = owner.client.get(f"{owner.project}/ads-conversions").text
    issue(world)  # rotated: the network still has the old pair
    fetch(world, "google-ads.csv", credentials)
    refused = owner.client.get(f"{owner.project}/ads-conversions").text

    assert 'data-testid="fetches-google"' in served
    assert "0 rows" in served
    assert 'data-testid="fetch-refused-google"' not in served
    assert 'data-testid="fetch-refused-google"' in refused
    assert "Paste the current user name and password into Google Ads" in refused
    assert 'data-testid="fetch-refused-microsoft"' not in refused
