"""the reports' per-day rollups, and the marks of changed days that keep them exact

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-05 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # No mark for existing rows: no day is rolled yet, so the first report sums every day.
    op.create_table(
        "changed_days",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        project_key("changed_days"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changed_days")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_changed_days_project", "changed_days", ["project_id", "id"])
    op.create_table(
        "report_rolled_days",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        project_key("report_rolled_days"),
        sa.PrimaryKeyConstraint(
            "project_id", "dimension", "day", name=op.f("pk_report_rolled_days")
        ),
    )
    op.create_table(
        "report_session_days",
        *day_columns(),
        sa.Column("sessions", sa.Integer(), nullable=False),
        project_key("report_session_days"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_session_days")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_report_session_days_read", "report_session_days", ["project_id", "dimension", "day"]
    )
    op.create_table(
        "report_call_days",
        *day_columns(),
        sa.Column("caller", sa.String(length=20), nullable=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("calls", "answered", "missed", "first_time_callers")
        ),
        sa.Column("wait_seconds", sa.BigInteger(), nullable=False),
        sa.Column("waits", sa.Integer(), nullable=False),
        sa.Column("talk_seconds", sa.BigInteger(), nullable=False),
        sa.Column("talks", sa.Integer(), nullable=False),
        project_key("report_call_days"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_call_days")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_report_call_days_read", "report_call_days", ["project_id", "dimension", "day"]
    )


def day_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=True),
    ]


def project_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"],
        ["projects.id"],
        name=op.f(f"fk_{table}_project_id_projects"),
        ondelete="CASCADE",
    )


def downgrade() -> None:
    refuse_downgrade(revision)
