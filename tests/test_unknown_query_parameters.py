"""The API refuses query parameters it does not know (api/query.py): a misspelt filter must not
quietly answer everything."""

from __future__ import annotations

import pytest

from tests.support.people import World

pytestmark = pytest.mark.storage_agnostic


@pytest.mark.parametrize(
    ("path", "typo", "known"),
    [
        ("calls", "atribution", "attribution"),
        ("calls.csv", "from_", "from"),
        ("sessions", "visitor_id", "visitor"),
        ("tracking-entities", "page", None),
    ],
)
def test_a_misspelt_query_parameter_is_named_in_a_422(
    world: World, path: str, typo: str, known: str | None
) -> None:
    url = f"/api/v1/projects/{world.project_id}/{path}"

    response = world.owner.client.get(url, params={typo: "late"})

    assert response.status_code == 422, response.text
    problem = response.json()["fields"][0]
    assert problem["field"] == typo
    assert problem["message"].startswith("unknown query parameter")
    if known is not None:
        assert known in problem["message"]  # the endpoint's own parameters are listed


def test_declared_parameters_including_aliases_still_work(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}/calls"

    response = world.owner.client.get(
        url, params={"from": "2026-01-01T00:00:00Z", "attribution": "late", "limit": 5}
    )

    assert response.status_code == 200, response.text


def test_every_unknown_parameter_is_named_at_once(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}/calls"

    response = world.owner.client.get(url, params={"foo": "1", "bar": "2"})

    assert [problem["field"] for problem in response.json()["fields"]] == ["bar", "foo"]


def test_a_stranger_gets_401_whatever_the_query_says(world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}/calls"

    response = world.anonymous.get(url, params={"atribution": "late"})

    assert response.status_code == 401
