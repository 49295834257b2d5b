"""entity_observations: drop ix_entity_observations_observed_at, which no query used

Every read of observations by time is per session (ix_entity_observations_session) or per
entity (ix_entity_observations_entity); retention deletes sessions and their observations go
with them. The index only cost the deriver one more entry to write per observation (three per
page view of the benchmark's shop).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 00:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # DROP INDEX in place on both databases (no table rebuild).
    op.drop_index("ix_entity_observations_observed_at", table_name="entity_observations")


def downgrade() -> None:
    refuse_downgrade(revision)
