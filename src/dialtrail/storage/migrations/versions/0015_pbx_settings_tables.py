"""pbx settings tables: asterisk_settings and freeswitch_settings (connection, sealed secret,
the listener's state and last events)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 01:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def create_pbx_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=128), nullable=True),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=False),
        sa.Column("state_at", UTCDateTime(), nullable=True),
        sa.Column("recent_events", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "state IN ('off', 'connecting', 'connected', 'failed')", name=op.f(f"ck_{name}_state")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f(f"fk_{name}_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    create_pbx_table("asterisk_settings")
    create_pbx_table("freeswitch_settings")


def downgrade() -> None:
    refuse_downgrade(revision)
