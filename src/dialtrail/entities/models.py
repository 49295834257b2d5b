"""A tracking entity as declared by the account owner (docs/design.md §2)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.privacy.redaction import PRIVACY_MODES
from dialtrail.storage.base import NEVER_REUSE_IDS, Base, UTCDateTime, one_of, utcnow

# Each enumeration once: the Literal for the schemas, its values for the database's check.
EntityType = Literal["simple", "expression"]
Scope = Literal["session", "page_view"]
Keep = Literal["last", "first"]
TYPES: tuple[EntityType, ...] = get_args(EntityType)
SCOPES: tuple[Scope, ...] = get_args(Scope)
KEEPS: tuple[Keep, ...] = get_args(Keep)


# How much of an error report's page address is kept (the script itself sends at most 1,000
# characters of it; a report made by hand could send more).
ERROR_URL_LENGTH = 2000


class TrackingEntity(Base):
    __tablename__ = "tracking_entities"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_tracking_entities_project_name"),
        one_of("type", TYPES),
        one_of("scope", SCOPES),
        one_of("keep", KEEPS),
        one_of("privacy", PRIVACY_MODES),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16), default="session")
    value: Mapped[str] = mapped_column(Text)
    keep: Mapped[str] = mapped_column(String(8), default="last")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # What the collector stores of the value (docs/privacy.md): redact, keep or hash.
    privacy: Mapped[str] = mapped_column(String(8), default="redact", server_default="redact")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Errors the insertion script reported (rate-limited in the browser). The last value
    # seen is read from entity_observations, so that page views never contend for this row.
    error_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_error_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error_url: Mapped[str | None] = mapped_column(Text, default=None)  # ERROR_URL_LENGTH
