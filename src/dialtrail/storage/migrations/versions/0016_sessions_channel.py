"""sessions.channel: each visit's GA4 default channel group, filled for existing sessions

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.sessions.channels import channel_of
from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
SOURCES = ("utm_source", "utm_medium", "utm_campaign", "gclid", "yclid", "fbclid")


def upgrade() -> None:
    # ALTER TABLE … ADD COLUMN in place on both databases: rebuilding sessions on SQLite would
    # drop the table its page views and observations cascade from.
    op.add_column(
        "sessions",
        sa.Column("channel", sa.String(length=32), nullable=False, server_default="Unassigned"),
    )
    fill_channels(op.get_bind())
    op.create_index(
        "ix_sessions_project_started_channel",
        "sessions",
        ["project_id", "started_at", "channel"],
    )


def fill_channels(connection: sa.Connection) -> None:
    """The rules are Python (sessions/channels.py), so existing sessions are classified here, a
    batch of ids at a time, in id order."""
    sessions = sa.table(
        "sessions",
        sa.column("id", sa.Integer),
        sa.column("referrer", sa.Text),
        sa.column("channel", sa.String),
        *(sa.column(name, sa.String) for name in SOURCES),
    )
    read = sa.select(sessions).where(sessions.c.id > sa.bindparam("after")).order_by(sessions.c.id)
    write = (
        sa.update(sessions)
        .where(sessions.c.id == sa.bindparam("row_id"))
        .values(channel=sa.bindparam("new_channel"))
    )
    after = 0
    while rows := connection.execute(read.limit(BATCH), {"after": after}).mappings().all():
        changes = [
            {"row_id": row["id"], "new_channel": channel_of(sources_of(row), row["referrer"])}
            for row in rows
        ]
        connection.execute(write, changes)
        after = rows[-1]["id"]


def sources_of(row: sa.RowMapping) -> dict[str, str | None]:
    return {name: row[name] for name in SOURCES}


def downgrade() -> None:
    refuse_downgrade(revision)
