"""twilio settings in their own table: the account SID and sealed auth token leave projects

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "twilio_settings",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("account_sid", sa.String(length=64), nullable=True),
        sa.Column("auth_token", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_twilio_settings_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_twilio_settings")),
    )
    op.execute(
        "INSERT INTO twilio_settings (project_id, account_sid, auth_token, updated_at)"
        " SELECT id, twilio_account_sid, twilio_auth_token, updated_at FROM projects"
        " WHERE twilio_account_sid IS NOT NULL OR twilio_auth_token IS NOT NULL"
    )
    # ALTER TABLE … DROP COLUMN in place on both databases (SQLite 3.35+): rebuilding projects
    # on SQLite would drop the table every other table's rows cascade from.
    op.execute("ALTER TABLE projects DROP COLUMN twilio_account_sid")
    op.execute("ALTER TABLE projects DROP COLUMN twilio_auth_token")


def downgrade() -> None:
    refuse_downgrade(revision)
