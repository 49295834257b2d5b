"""ads_file_fetches: each fetch of a project's ads conversion file, served or refused (the
newest 20 per file), so the admin shows when the networks fetched and what they got

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ads_file_fetches",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_ads_file_fetches_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ads_file_fetches")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_ads_file_fetches_project_network", "ads_file_fetches", ["project_id", "network", "id"]
    )


def downgrade() -> None:
    refuse_downgrade(revision)
