"""Any query string gets an answer or a 422, never a 5xx, on both databases."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dialtrail.calls.models import Call
from tests.support.call_rows import CallRows, entity_snapshot
from tests.support.people import World

PARAMETERS = [
    "from",
    "to",
    "attribution",
    "disposition",
    "utm_source",
    "tracking_number",
    "caller",
    "entity",
    "value",
    "session_id",
    "cursor",
    "limit",
]
# NUL is what PostgreSQL refuses in text; the rest have broken parsers before.
NASTY = ["a\x00b", "\x00", "x" * 3000, "+380441112233", "2026-11-27T12:00:00+02:00", "visit_id"]
values = st.text(max_size=40) | st.sampled_from(NASTY)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.dictionaries(st.sampled_from(PARAMETERS), values, max_size=4))
def test_no_query_string_breaks_the_list_or_the_export(
    world: World, rows: CallRows, query: dict[str, Any]
) -> None:
    if not rows_made(rows):
        rows.call(entities={"visit_id": entity_snapshot("crm-42")}, visit={"utm_source": "x"})
    for path in ("calls", "calls.csv"):
        url = f"/api/v1/projects/{world.project_id}/{path}"
        response = world.owner.client.get(url, params=query)
        assert response.status_code in (200, 422), (query, response.text)
        if response.status_code == 422:
            assert response.json()["fields"][0]["field"] in PARAMETERS


def rows_made(rows: CallRows) -> bool:
    with rows.database.session() as session:
        return bool(session.scalar(select(func.count()).select_from(Call)))
