"""privacy: redaction switch and per-entity privacy, retention periods, the erasure log

Revision ID: 0022
Revises: 0016
Create Date: 2026-12-05 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.privacy.redaction import PRIVACY_MODES
from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.migrate import refuse_downgrade
from dialtrail.subjects.models import SELECTOR_KINDS

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROJECT_COLUMNS = (
    ("redact_personal_data", sa.Boolean(), sa.true()),
    ("session_retention_months", sa.Integer(), "13"),
    ("call_retention_months", sa.Integer(), "25"),
    ("webhook_log_retention_days", sa.Integer(), "30"),
)


def listed(column: str, choices: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(choice) for choice in choices)})"


def upgrade() -> None:
    # ALTER TABLE … ADD COLUMN in place on both databases: rebuilding projects or
    # tracking_entities on SQLite would drop the tables their rows cascade from.
    for name, type_, default in PROJECT_COLUMNS:
        op.add_column("projects", sa.Column(name, type_, nullable=False, server_default=default))
    add_privacy_column()
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("selector_kind", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("erased_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            listed("selector_kind", SELECTOR_KINDS), name=op.f("ck_erasures_selector_kind")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_erasures_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_erasures_project_id"), "erasures", ["project_id"])


def add_privacy_column() -> None:
    """SQLite adds a column with its CHECK in place; PostgreSQL adds the constraint after."""
    check = listed("privacy", PRIVACY_MODES)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE tracking_entities ADD COLUMN privacy VARCHAR(8) DEFAULT 'redact' "
            f"NOT NULL CONSTRAINT ck_tracking_entities_privacy CHECK ({check})"
        )
        return
    op.add_column(
        "tracking_entities",
        sa.Column("privacy", sa.String(length=8), nullable=False, server_default="redact"),
    )
    op.create_check_constraint("ck_tracking_entities_privacy", "tracking_entities", check)


def downgrade() -> None:
    refuse_downgrade(revision)
