"""numbers lease order: leased_until, open_leases and the indexes of an O(log n) hot path

Leasing used to count every open lease of the project and sort them to find the oldest on each
new session. Numbers now carry ``leased_until`` (no open lease of theirs lasts longer) and
``open_leases``, kept up to date by numbers/leasing.py; both are computed here from the leases.
Leases keep their client's network (numbers/gate.py: the cap per network), and the hourly pool
usage counts the page views refused a number (bots, crowded networks).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:33:17.503713
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_POOL = "kind = 'pool' AND removed_at IS NULL"
OPEN = "released_at IS NULL"
OPEN_COUNTED = "released_at IS NULL AND network IS NOT NULL"
# As SQLAlchemy writes times on SQLite, and a valid timestamp on PostgreSQL. A constant, so
# that SQLite adds the column in place: a rebuilt tracking_numbers would be dropped first, and
# with foreign keys on, dropping it deletes every lease (ON DELETE CASCADE). Hence also
# recreate="never" below: a change SQLite cannot make in place fails instead.
NEVER_LEASED = "1970-01-01 00:00:00.000000"

BACKFILL = """
UPDATE tracking_numbers SET
  open_leases = (
    SELECT count(*) FROM number_leases
    WHERE number_leases.number_id = tracking_numbers.id AND released_at IS NULL
  ),
  leased_until = COALESCE(
    (
      SELECT max(expires_at) FROM number_leases
      WHERE number_leases.number_id = tracking_numbers.id AND released_at IS NULL
    ),
    last_released_at,
    leased_until
  )
"""


def upgrade() -> None:
    with op.batch_alter_table("number_leases", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_number_leases_project_released")
        batch_op.create_index(
            "ix_number_leases_open_expires",
            ["project_id", "expires_at"],
            unique=False,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
        batch_op.create_index(
            "ix_number_leases_session_started", ["session_id", "started_at"], unique=False
        )
        batch_op.add_column(sa.Column("network", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_number_leases_open_network",
            ["network", "project_id", "expires_at"],
            unique=False,
            sqlite_where=sa.text(OPEN_COUNTED),
            postgresql_where=sa.text(OPEN_COUNTED),
        )

    with op.batch_alter_table("tracking_numbers", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column(
                "leased_until",
                UTCDateTime(),
                nullable=False,
                server_default=NEVER_LEASED,
            )
        )
        batch_op.add_column(
            sa.Column("open_leases", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_tracking_numbers_pool_order",
            ["project_id", "leased_until", "id"],
            unique=False,
            sqlite_where=sa.text(IN_POOL),
            postgresql_where=sa.text(IN_POOL),
        )
    with op.batch_alter_table("pool_usage", schema=None, recreate="never") as batch_op:
        for column in ("refused_bots", "refused_network"):
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    op.execute(BACKFILL)


def downgrade() -> None:
    refuse_downgrade(revision)
