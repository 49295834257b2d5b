"""the last requests of each telephony adapter, not only the last one, with their outcomes

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("telephony_receipts") as batch_op:
        batch_op.add_column(
            sa.Column("recent", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
    # A row written before keeps its one request: the admin shows it as the only recent one.


def downgrade() -> None:
    refuse_downgrade(revision)
