"""GET /metrics behind DIALTRAIL_METRICS_TOKEN: required as a bearer token when set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dialtrail.app import create_app
from tests.support.clients import get
from tests.support.databases import Database
from tests.support.server import serve

pytestmark = pytest.mark.storage_agnostic

TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
def protected(database: Database) -> Iterator[str]:
    settings = database.settings.replace(metrics_token=TOKEN)
    with serve(create_app(settings, database.engine)) as base_url:
        yield base_url


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token-0123456789", TOKEN, f"Basic {TOKEN}", "Bearer"]
)
def test_it_refuses_metrics_without_the_token(protected: str, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = get(f"{protected}/metrics", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"
    assert "DIALTRAIL_METRICS_TOKEN" in response.json()["message"]
    assert "dialtrail_webhook" not in response.text


def test_it_answers_metrics_with_the_token(protected: str) -> None:
    response = get(f"{protected}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert "dialtrail_webhook_queue_depth" in response.text


def test_metrics_are_open_when_no_token_is_set(server_url: str) -> None:
    assert get(f"{server_url}/metrics").status_code == 200
