"""ads conversions: sessions' gbraid, wbraid and msclkid; conversion definitions and the
conversion files' credentials

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-05 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLICK_IDS = ("gbraid", "wbraid", "msclkid")


def upgrade() -> None:
    # ALTER TABLE … ADD COLUMN in place on both databases: rebuilding sessions on SQLite would
    # drop the table its page views and observations cascade from. Existing sessions keep
    # their channel: none of them has these click ids.
    for name in CLICK_IDS:
        op.add_column("sessions", sa.Column(name, sa.String(length=255), nullable=True))
    op.create_table(
        "ads_conversions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("answered_only", sa.Boolean(), nullable=False),
        sa.Column("min_talk_seconds", sa.Integer(), nullable=False),
        sa.Column("first_call_only", sa.Boolean(), nullable=False),
        sa.Column("value", sa.String(length=24), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "min_talk_seconds >= 0", name=op.f("ck_ads_conversions_min_talk_seconds")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_ads_conversions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ads_conversions")),
        sa.UniqueConstraint("project_id", "name", name="uq_ads_conversions_project_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "ads_feed_credentials",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_ads_feed_credentials_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_ads_feed_credentials")),
        sa.UniqueConstraint("username", name=op.f("uq_ads_feed_credentials_username")),
    )


def downgrade() -> None:
    refuse_downgrade(revision)
