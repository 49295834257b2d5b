"""delivery attempts in all: attempts count every attempt, the schedule counts its own

``attempts`` used to restart at 0 on a resend, so a delivery showed "Attempts: 0" next to a
log of several. It now counts every attempt (as many as the log lists); the retry schedule
counts ``attempts - unscheduled_attempts``, where ``unscheduled_attempts`` are those made before
the latest resend or by *Retry now*. ``retry_planned_at`` keeps the schedule's next try while
a *Retry now* is due, so that a failed retry now goes back to it (docs/webhooks.md, "Retries").

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Deliveries resent before: their log holds more attempts than their (restarted) count.
BACKFILL = [
    "UPDATE webhook_deliveries SET unscheduled_attempts ="
    " (SELECT count(*) FROM webhook_attempts WHERE delivery_id = webhook_deliveries.id)"
    " - attempts"
    " WHERE (SELECT count(*) FROM webhook_attempts WHERE delivery_id = webhook_deliveries.id)"
    " > attempts",
    "UPDATE webhook_deliveries SET attempts = attempts + unscheduled_attempts"
    " WHERE unscheduled_attempts > 0",
]


def upgrade() -> None:
    # In place on SQLite (no table rebuild), as 0009 explains: the attempts cascade from it.
    with op.batch_alter_table("webhook_deliveries", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("unscheduled_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("retry_planned_at", UTCDateTime(), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    refuse_downgrade(revision)
