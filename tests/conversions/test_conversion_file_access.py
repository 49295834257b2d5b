"""The files answer only the project's own basic-auth pair: 401 with a Basic challenge
otherwise, the same for a project that does not exist; a rotated password stops working."""

from __future__ import annotations

import pytest

from tests.conversions.conftest import basic, fetch, issue
from tests.support.people import World

FILES = ["google-ads.csv", "microsoft-ads.csv"]


def assert_refused(response: object) -> None:
    import httpx

    assert isinstance(response, httpx.Response)
    assert response.status_code == 401, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Basic realm=")
    assert "Google Click ID" not in response.text
    assert response.json()["error"] == "unauthorized"


@pytest.mark.parametrize("file", FILES)
def test_it_refuses_a_fetch_without_credentials(world: World, file: str) -> None:
    issue(world)

    assert_refused(world.anonymous.get(f"/conversions/{world.project_id}/{file}"))


@pytest.mark.parametrize(
    "header",
    ["Basic", "Basic !!!", "Basic " + "dXNlcg==", "Bearer dt_x", "basic"],
    ids=["empty", "not-base64", "no-colon", "bearer", "scheme-only"],
)
def test_it_refuses_a_malformed_authorization_header(world: World, header: str) -> None:
    issue(world)

    response = world.anonymous.get(
        f"/conversions/{world.project_id}/google-ads.csv", headers={"Authorization": header}
    )

    assert_refused(response)


def test_it_refuses_a_wrong_password_or_user_and_an_api_token(world: World) -> None:
    credentials = issue(world)
    url = f"/conversions/{world.project_id}/google-ads.csv"

    wrong_password = basic(credentials["username"], credentials["password"] + "x")
    wrong_user = basic(credentials["username"] + "x", credentials["password"])
    assert_refused(world.anonymous.get(url, headers=wrong_password))
    assert_refused(world.anonymous.get(url, headers=wrong_user))
    assert_refused(world.owner.client.get(url))  # an API token opens the API, not this


def test_another_projects_credentials_and_unknown_projects_are_refused_alike(
    world: World,
) -> None:
    issue(world)
    theirs = issue(world, world.other_project_id, by=world.outsider.client)

    assert_refused(fetch(world, "google-ads.csv", theirs))
    response = world.anonymous.get(
        "/conversions/999999/google-ads.csv",
        headers=basic(theirs["username"], theirs["password"]),
    )
    assert_refused(response)


def test_a_project_without_credentials_refuses_every_fetch(world: World) -> None:
    response = world.anonymous.get(
        f"/conversions/{world.project_id}/google-ads.csv", headers=basic("", "")
    )

    assert_refused(response)


def test_rotating_the_credentials_ends_the_old_pair_and_shows_the_password_once(
    world: World,
) -> None:
    old = issue(world)
    new = issue(world)

    assert_refused(fetch(world, "google-ads.csv", old))
    assert fetch(world, "google-ads.csv", new).status_code == 200
    overview = world.owner.client.get(f"/api/v1/projects/{world.project_id}/ads-conversions")
    assert overview.json()["credentials"]["username"] == new["username"]
    assert new["password"] not in overview.text
    assert overview.json()["feed_urls"]["google"].endswith(
        f"/conversions/{world.project_id}/google-ads.csv"
    )


def test_outsiders_cannot_issue_a_projects_credentials(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}/ads-conversions/credentials"

    assert world.outsider.client.post(url).status_code == 404
    assert world.anonymous.post(url).status_code == 401
