"""the collector's journal: accepted events, and how far the deriver has applied them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOURNAL_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "collector_journal",
        sa.Column("id", JOURNAL_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("session_key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('pageview', 'ping', 'errors')", name=op.f("ck_collector_journal_kind")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_collector_journal_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collector_journal")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_collector_journal_received_at", "collector_journal", ["received_at"], unique=False
    )
    op.create_table(
        "collector_deriver",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("derived_through", JOURNAL_ID, nullable=False),
        sa.Column("derived_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collector_deriver")),
    )
    op.execute("INSERT INTO collector_deriver (id, derived_through) VALUES (1, 0)")


def downgrade() -> None:
    refuse_downgrade(revision)
