"""record sessions page views and entity observations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 05:24:06.477139
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dialtrail.storage.migrate import refuse_downgrade

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visitors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_visitors_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitors")),
        sa.UniqueConstraint("project_id", "key", name="uq_visitors_project_key"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("landing_page", sa.Text(), nullable=False),
        sa.Column("referrer", sa.Text(), nullable=False),
        sa.Column("utm_source", sa.String(length=255), nullable=True),
        sa.Column("utm_medium", sa.String(length=255), nullable=True),
        sa.Column("utm_campaign", sa.String(length=255), nullable=True),
        sa.Column("utm_content", sa.String(length=255), nullable=True),
        sa.Column("utm_term", sa.String(length=255), nullable=True),
        sa.Column("gclid", sa.String(length=255), nullable=True),
        sa.Column("fbclid", sa.String(length=255), nullable=True),
        sa.Column("yclid", sa.String(length=255), nullable=True),
        sa.Column("ga_client_id", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("page_views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_sessions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name=op.f("fk_sessions_visitor_id_visitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("project_id", "key", name="uq_sessions_project_key"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sessions_project_ga", ["project_id", "ga_client_id"], unique=False
        )
        batch_op.create_index(
            "ix_sessions_project_started", ["project_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sessions_visitor_id"), ["visitor_id"], unique=False)

    op.create_table(
        "page_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("referrer", sa.Text(), nullable=False),
        sa.Column("viewed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_page_views_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_views")),
        sa.UniqueConstraint("session_id", "key", name="uq_page_views_session_key"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("page_views", schema=None) as batch_op:
        batch_op.create_index(
            "ix_page_views_session_viewed", ["session_id", "viewed_at"], unique=False
        )
        batch_op.create_index("ix_page_views_viewed_at", ["viewed_at"], unique=False)

    op.create_table(
        "entity_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("page_view_id", sa.Integer(), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["tracking_entities.id"],
            name=op.f("fk_entity_observations_entity_id_tracking_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["page_view_id"],
            ["page_views.id"],
            name=op.f("fk_entity_observations_page_view_id_page_views"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_entity_observations_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity_observations")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("entity_observations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entity_observations_entity", ["entity_id", "observed_at"], unique=False
        )
        batch_op.create_index("ix_entity_observations_observed_at", ["observed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_entity_observations_page_view_id"), ["page_view_id"], unique=False
        )
        batch_op.create_index(
            "ix_entity_observations_session",
            ["session_id", "entity_id", "observed_at"],
            unique=False,
        )

    op.create_table(
        "session_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("page_view_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["tracking_entities.id"],
            name=op.f("fk_session_values_entity_id_tracking_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["page_view_id"],
            ["page_views.id"],
            name=op.f("fk_session_values_page_view_id_page_views"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_values_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_values")),
        sa.UniqueConstraint("session_id", "entity_id", name="uq_session_values_session_entity"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("session_values", schema=None) as batch_op:
        batch_op.create_index("ix_session_values_entity", ["entity_id"], unique=False)

    with op.batch_alter_table("tracking_entities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("error_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("last_error_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("last_error_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_error_url", sa.Text(), nullable=True))


def downgrade() -> None:
    refuse_downgrade(revision)
