"""Bad filters of the sessions list are 422s naming the parameter, never 5xx."""

from __future__ import annotations

import pytest

from tests.support.people import World

pytestmark = pytest.mark.storage_agnostic


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"visitor": "a\x00b"}, "visitor"),
        ({"ga_client_id": "1\x00"}, "ga_client_id"),
        ({"entity": "visit_id", "value": "v\x00"}, "value"),
        ({"since": "2026-11-27T10:00:00"}, "since"),
        ({"until": "2026-11-27"}, "until"),
    ],
)
def test_it_names_the_bad_filter(world: World, parameters: dict[str, str], field: str) -> None:
    response = world.owner.client.get(
        f"/api/v1/projects/{world.project_id}/sessions", params=parameters
    )

    assert response.status_code == 422, response.text
    assert field in [problem["field"] for problem in response.json()["fields"]]
