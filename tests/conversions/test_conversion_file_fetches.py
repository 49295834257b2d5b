"""The files' deliveries log: each fetch of a project's file, served (with its rows) or refused,
the newest 20 per file (the admin's page: tests/admin/test_ads_conversion_pages.py); nothing
is logged for a project without credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dialtrail.conversions.fetches import KEPT_FETCHES
from dialtrail.conversions.models import AdsFileFetch
from tests.conversions.conftest import basic, define, fetch, issue
from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World

NETWORK_AGENT = {"User-Agent": "Google-Ads-Conversions-Fetcher/1.0"}


def logged(database: Database, project_id: int) -> list[tuple[str, int, int | None, str | None]]:
    with database.session() as db:
        fetches = db.scalars(
            select(AdsFileFetch)
            .where(AdsFileFetch.project_id == project_id)
            .order_by(AdsFileFetch.id)
        )
        return [(item.network, item.status, item.rows, item.user_agent) for item in fetches]


def test_served_and_refused_fetches_are_logged_with_their_rows(
    world: World, database: Database, rows: CallRows
) -> None:
    define(world)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    rows.call(start, session=rows.session(start - timedelta(hours=1), gclid="Cj0-logged_1"))
    credentials = issue(world)
    url = f"/conversions/{world.project_id}/google-ads.csv"

    served = world.anonymous.get(
        url, headers={**basic(credentials["username"], credentials["password"]), **NETWORK_AGENT}
    )
    refused = world.anonymous.get(url, headers={**basic("old-user", "old"), **NETWORK_AGENT})
    missing = world.anonymous.get(f"/conversions/{world.project_id}/microsoft-ads.csv")

    wrong = world.anonymous.get(
        f"/conversions/{world.project_id}/microsoft-ads.csv",
        headers={**basic("old-user", "old"), "User-Agent": "a network with an old pair"},
    )

    assert (served.status_code, refused.status_code, missing.status_code) == (200, 401, 401)
    assert wrong.status_code == 401
    assert logged(database, world.project_id) == [
        ("google", 200, 1, NETWORK_AGENT["User-Agent"]),
        ("google", 401, None, NETWORK_AGENT["User-Agent"]),
        # the request without credentials (a scanner, a link preview) is not kept
        ("microsoft", 401, None, "a network with an old pair"),
    ]


def test_a_project_without_credentials_or_a_missing_project_logs_nothing(
    world: World, database: Database
) -> None:
    world.anonymous.get(
        f"/conversions/{world.project_id}/google-ads.csv", headers=basic("someone", "guess")
    )
    world.anonymous.get("/conversions/999999/google-ads.csv", headers=basic("someone", "guess"))

    assert logged(database, world.project_id) == []
    assert logged(database, 999999) == []


def test_only_the_newest_fetches_of_each_file_are_kept(world: World, database: Database) -> None:
    credentials = issue(world)
    fetch(world, "microsoft-ads.csv", credentials)
    url = f"/conversions/{world.project_id}/google-ads.csv"
    pair = basic(credentials["username"], credentials["password"])
    for number in range(KEPT_FETCHES + 3):
        world.anonymous.get(url, headers={**pair, "User-Agent": f"fetch {number}"})

    kept = logged(database, world.project_id)

    agents = [agent for network, *_, agent in kept if network == "google"]
    # The newest 20 (3 to 22) are kept: the oldest three went, not the newest.
    assert len(agents) == KEPT_FETCHES
    assert set(agents) == {f"fetch {number}" for number in range(3, KEPT_FETCHES + 3)}
    assert [network for network, *_ in kept].count("microsoft") == 1


def test_the_api_lists_each_files_fetches_newest_first(world: World) -> None:
    credentials = issue(world)
    fetch(world, "google-ads.csv", credentials)
    fetch(world, "google-ads.csv", {**credentials, "password": "wrong"})

    overview = world.owner.client.get(f"/api/v1/projects/{world.project_id}/ads-conversions")
    outsider = world.outsider.client.get(f"/api/v1/projects/{world.project_id}/ads-conversions")

    assert overview.status_code == 200, overview.text
    fetches = overview.json()["fetches"]
    assert [(item["status"], item["rows"]) for item in fetches["google"]] == [(401, None), (200, 0)]
    assert fetches["microsoft"] == []
    assert outsider.status_code == 404
