"""freeswitch_settings.did_variable (the event header a site's dialled number is in) and
recent_checks on both PBX settings tables (Check connection's rate limit)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null for every existing row: Caller-Destination-Number, as before.
    op.add_column("freeswitch_settings", sa.Column("did_variable", sa.String(length=128)))
    for table in ("asterisk_settings", "freeswitch_settings"):
        op.add_column(
            table, sa.Column("recent_checks", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    refuse_downgrade(revision)
