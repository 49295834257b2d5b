"""The erasure log: what an erasure removed, by whom and when, never the erased data itself
(docs/privacy.md, "Erasure and export")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import NEVER_REUSE_IDS, Base, UTCDateTime, one_of, utcnow

# Each enumeration once: the Literal for the schemas, its values for the database's check.
SelectorKind = Literal["visitor", "ga_client_id", "session", "caller"]
SELECTOR_KINDS: tuple[SelectorKind, ...] = get_args(SelectorKind)


class Erasure(Base):
    __tablename__ = "erasures"
    __table_args__ = (one_of("selector_kind", SELECTOR_KINDS), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    selector_kind: Mapped[str] = mapped_column(String(16))
    # Who asked: "user:<id>" (API token or CLI --by), "cli" — never the subject.
    requested_by: Mapped[str] = mapped_column(String(100))
    # How many rows of each kind were erased or anonymised: {"sessions": 2, "calls": 1, …}.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
