"""telephony receipts: the last request each adapter received per project, and its outcome

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telephony_receipts",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("hook", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('accepted', 'signature_mismatch', 'refused')",
            name=op.f("ck_telephony_receipts_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_telephony_receipts_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "provider", name=op.f("pk_telephony_receipts")),
    )


def downgrade() -> None:
    refuse_downgrade(revision)
