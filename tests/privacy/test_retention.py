"""``dialtrail prune`` applies each project's retention (docs/privacy.md, "Retention"):
visits after ``session_retention_months``, calls after ``call_retention_months`` (their
sessions with them), webhook attempts and finished deliveries after
``webhook_log_retention_days``; what is younger, and pending deliveries, stay; the collector's
journal events once derived and older than DIALTRAIL_JOURNAL_RETENTION_HOURS."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from dialtrail.calls.models import Call
from dialtrail.collector.models import DeriverProgress, JournalEvent
from dialtrail.projects.models import Project
from dialtrail.sessions.models import WebSession
from dialtrail.sessions.retention import months_before
from dialtrail.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from tests.support.call_rows import CallRows
from tests.support.databases import Database
from tests.support.people import World
from tests.support.processes import database_url, run


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 3, 31, 12, tzinfo=UTC), 1, datetime(2026, 2, 28, 12, tzinfo=UTC)),
        (datetime(2026, 12, 5, tzinfo=UTC), 13, datetime(2025, 11, 5, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 25, datetime(2023, 12, 15, tzinfo=UTC)),
        (datetime(2024, 3, 29, tzinfo=UTC), 1, datetime(2024, 2, 29, tzinfo=UTC)),
    ],
)
def test_months_are_calendar_months(moment: datetime, months: int, expected: datetime) -> None:
    assert months_before(moment, months) == expected


def count(database: Database, model: Any, *conditions: Any) -> int:
    with database.session() as db:
        return db.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def delivery(rows: CallRows, webhook_id: int, call_id: int, **fields: Any) -> int:
    return rows.add(
        WebhookDelivery(
            webhook_id=webhook_id,
            project_id=rows.project_id,
            call_id=call_id,
            event="call.completed",
            message_id="msg_" + secrets.token_hex(8),
            data={},
            occurred_at=datetime.now(UTC),
            next_attempt_at=None,
            **fields,
        )
    )


def attempt(rows: CallRows, delivery_id: int, at: datetime) -> int:
    return rows.add(
        WebhookAttempt(
            delivery_id=delivery_id,
            attempted_at=at,
            request_method="POST",
            request_url="https://crm.example/hook",
            status_code=200,
            response_body="ok",
        )
    )


def test_prune_applies_each_projects_retention(world: World, database: Database) -> None:
    now = datetime.now(UTC)
    project = f"/api/v1/projects/{world.project_id}"
    changed = world.owner.client.patch(
        project,
        json={"session_retention_months": 2, "call_retention_months": 6},
    )
    assert changed.status_code == 200, changed.text
    rows = CallRows(database, world.project_id)
    old_visit = rows.session(now - timedelta(days=75))
    young_visit = rows.session(now - timedelta(days=40))
    called_visit = rows.session(now - timedelta(days=100))
    rows.call(now - timedelta(days=100), session=called_visit)  # 3 months: the call stays
    expired_visit = rows.session(now - timedelta(days=250))
    old_call = rows.call(now - timedelta(days=250), session=expired_visit)  # 8 months: goes
    webhook = rows.add(
        Webhook(
            project_id=world.project_id,
            name="CRM",
            events=["call.completed"],
            url="https://crm.example/hook",
            secret="sealed",
        )
    )
    recent_call = rows.call(now - timedelta(days=1))
    sent_long_ago = delivery(
        rows, webhook, recent_call, status="delivered", finished_at=now - timedelta(days=31)
    )
    attempt(rows, sent_long_ago, now - timedelta(days=31))
    sent_lately = delivery(
        rows, webhook, recent_call, status="delivered", finished_at=now - timedelta(days=2)
    )
    attempt(rows, sent_lately, now - timedelta(days=2))
    pending = delivery(rows, webhook, recent_call, status="pending")
    attempt(rows, pending, now - timedelta(days=40))

    result = run(database_url(database), "prune")

    assert result.returncode == 0, result.stderr
    assert f"project {world.project_id}: deleted 2 sessions" in result.stdout
    assert "deleted 1 calls older than 6 months" in result.stdout
    assert "2 webhook attempts and 1 finished deliveries older than 30 days" in result.stdout
    with database.session() as db:
        sessions = set(db.scalars(select(WebSession.id)))
        calls = set(db.scalars(select(Call.id)))
        deliveries = set(db.scalars(select(WebhookDelivery.id)))
    assert sessions == {young_visit.id, called_visit.id}
    assert old_visit.id not in sessions
    assert old_call not in calls
    assert deliveries == {sent_lately, pending}
    assert count(database, WebhookAttempt) == 1


def test_older_than_still_overrides_the_session_retention(world: World, database: Database) -> None:
    rows = CallRows(database, world.project_id)
    rows.session(datetime.now(UTC) - timedelta(days=10))

    result = run(database_url(database), "prune", "--older-than", "7d")

    assert result.returncode == 0, result.stderr
    assert "deleted 1 sessions" in result.stdout
    assert "inactive for more than 7d" in result.stdout


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("session_retention_months", 0),
        ("call_retention_months", 121),
        ("webhook_log_retention_days", 0),
        ("session_retention_months", "soon"),
    ],
)
def test_a_retention_out_of_range_is_refused_naming_the_field(
    world: World, field: str, value: Any
) -> None:
    response = world.owner.client.patch(f"/api/v1/projects/{world.project_id}", json={field: value})

    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["fields"]] == [field]


def test_retention_defaults_and_null_puts_one_back(world: World) -> None:
    project = f"/api/v1/projects/{world.project_id}"
    shown = world.owner.client.get(project).json()
    assert (
        shown["session_retention_months"],
        shown["call_retention_months"],
        shown["webhook_log_retention_days"],
    ) == (13, 25, 30)

    world.owner.client.patch(project, json={"call_retention_months": 36})
    back = world.owner.client.patch(project, json={"call_retention_months": None})

    assert back.json()["call_retention_months"] == 25


def test_prune_deletes_journal_events_derived_and_older_than_the_collectors_retention(
    database: Database,
) -> None:
    now = datetime.now(UTC)
    with database.session() as db:
        project = Project(name="Journal", public_key="journal-retention-key")
        db.add(project)
        db.flush()
        ages = {
            "old": timedelta(hours=49),
            "young": timedelta(hours=47),
            "not derived": timedelta(hours=72),
        }
        rows = {
            name: JournalEvent(
                project_id=project.id,
                kind="pageview",
                session_key="s" * 22,
                payload="{}",
                received_at=now - age,
            )
            for name, age in ages.items()
        }
        db.add_all(rows.values())
        db.flush()
        progress = db.get(DeriverProgress, 1) or DeriverProgress(id=1)
        progress.derived_through = rows["young"].id  # the deriver got this far
        db.add(progress)
        db.commit()
        ids = {name: row.id for name, row in rows.items()}

    result = run(database_url(database), "prune")

    assert result.returncode == 0, result.stderr
    assert "deleted 1 collector journal events derived and older than 48 hours" in result.stdout
    with database.session() as db:
        left = set(db.scalars(select(JournalEvent.id)))
    assert left == {ids["young"], ids["not derived"]}
