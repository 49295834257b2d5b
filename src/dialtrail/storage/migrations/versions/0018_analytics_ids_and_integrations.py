"""sessions.ga_session_id, ga_session_number, matomo_visitor_id: the analytics tools' own ids;
webhooks.kind and settings: GA4 and Matomo integrations on the webhook engine

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-05 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ALTER TABLE … ADD COLUMN in place on both databases: rebuilding sessions on SQLite would
    # drop the table its page views and observations cascade from. Existing sessions have
    # none of these ids: the script had not read them.
    op.add_column("sessions", sa.Column("ga_session_id", sa.String(length=20), nullable=True))
    op.add_column("sessions", sa.Column("ga_session_number", sa.Integer(), nullable=True))
    op.add_column("sessions", sa.Column("matomo_visitor_id", sa.String(length=16), nullable=True))
    # Likewise for webhooks, whose deliveries cascade from them. Every existing row is a
    # webhook, with no settings.
    op.add_column(
        "webhooks",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="webhook"),
    )
    op.add_column("webhooks", sa.Column("settings", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    refuse_downgrade(revision)
