"""projects.consent: whether the script waits for the visitor's consent (not_required for
every existing project: today's behaviour)

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-05 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.base import one_of
from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as of this revision (projects.models.CONSENT_MODES), written here so that a later
# change of the model never changes what this revision did.
CHECK = one_of("consent", ("not_required", "required", "cookieless"))
NAME = "ck_projects_consent"


def upgrade() -> None:
    # In place on both databases: rebuilding projects on SQLite (batch mode) would drop the
    # table everything else cascades from. SQLite takes the check as a column constraint of
    # ALTER TABLE … ADD COLUMN; PostgreSQL as a table constraint after it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE projects ADD COLUMN consent VARCHAR(20) DEFAULT 'not_required' NOT NULL "
            f"CONSTRAINT {NAME} CHECK ({CHECK.sqltext})"
        )
        return
    op.add_column(
        "projects",
        sa.Column("consent", sa.String(length=20), nullable=False, server_default="not_required"),
    )
    op.create_check_constraint(NAME, "projects", CHECK.sqltext)


def downgrade() -> None:
    refuse_downgrade(revision)
