"""the reports' calls summed per day and group (over callers), filled from the rolled days

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_call_sums",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("calls", "answered", "missed", "first_time_callers", "callers")
        ),
        sa.Column("wait_seconds", sa.BigInteger(), nullable=False),
        sa.Column("waits", sa.Integer(), nullable=False),
        sa.Column("talk_seconds", sa.BigInteger(), nullable=False),
        sa.Column("talks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_report_call_sums_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_call_sums")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_report_call_sums_read", "report_call_sums", ["project_id", "dimension", "day"]
    )
    # The days already rolled get their sums from their rows per caller (one row per caller,
    # so the count of callers is the count of rows with one), and stay rolled.
    op.execute(FILL)


FILL = (
    "INSERT INTO report_call_sums (project_id, dimension, day, group_key, calls, answered,"
    " missed, first_time_callers, callers, wait_seconds, waits, talk_seconds, talks)"
    " SELECT project_id, dimension, day, group_key, sum(calls), sum(answered), sum(missed),"
    " sum(first_time_callers), count(caller), sum(wait_seconds), sum(waits),"
    " sum(talk_seconds), sum(talks)"
    " FROM report_call_days GROUP BY project_id, dimension, day, group_key"
)


def downgrade() -> None:
    refuse_downgrade(revision)
