"""telnyx and vonage settings, each in its adapter's own table

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telnyx_settings",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=True),
        sa.Column("api_key", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_telnyx_settings_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_telnyx_settings")),
    )
    op.create_table(
        "vonage_settings",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("api_key", sa.String(length=32), nullable=True),
        sa.Column("signature_secret", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_vonage_settings_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_vonage_settings")),
    )


def downgrade() -> None:
    refuse_downgrade(revision)
