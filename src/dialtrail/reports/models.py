"""The reports' per-day rollups (reports/rollup.py, ARCHITECTURE.md "Reports"): per project,
grouping (``dimension``: the API's group_by, "" for none) and local day in the project's time
zone, the sessions and the calls' sums (per caller, and per group). A day is in a rollup
exactly when its ``RolledDay`` row is; a changed day (sessions/changed_days.py) or another time
zone drops the four together.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import NEVER_REUSE_IDS, Base, BigId

DIMENSION_LENGTH = 80  # "entity." and an entity name (entities/rules.py: at most 64)


class RolledDay(Base):
    """A local day whose rollup rows of one dimension are complete, in ``timezone``."""

    __tablename__ = "report_rolled_days"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    dimension: Mapped[str] = mapped_column(String(DIMENSION_LENGTH), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))


class DayGroupRow:
    """A row of one local day and group of a dimension ("" and no group: all of them). Rows
    are replaced whenever their day changes (today's, at every report): 64-bit ids."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    dimension: Mapped[str] = mapped_column(String(DIMENSION_LENGTH))
    day: Mapped[date] = mapped_column(Date)
    group_key: Mapped[str | None] = mapped_column(Text)


class CallFigures:
    """The sums of a rollup row's calls, from which a report derives its figures."""

    calls: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    missed: Mapped[int] = mapped_column(Integer)
    first_time_callers: Mapped[int] = mapped_column(Integer)
    wait_seconds: Mapped[int] = mapped_column(BigInteger)
    waits: Mapped[int] = mapped_column(Integer)
    talk_seconds: Mapped[int] = mapped_column(BigInteger)
    talks: Mapped[int] = mapped_column(Integer)


class SessionDay(DayGroupRow, Base):
    """Sessions started on a local day, per group of a visit dimension ("" : all of them)."""

    __tablename__ = "report_session_days"
    # The group key stays out of the index: a landing page of 1,000 characters can exceed
    # PostgreSQL's btree row limit.
    __table_args__ = (
        Index("ix_report_session_days_read", "project_id", "dimension", "day"),
        NEVER_REUSE_IDS,
    )

    sessions: Mapped[int] = mapped_column(Integer)


class CallDay(DayGroupRow, CallFigures, Base):
    """Calls started on a local day, per group and caller: per caller so that unique callers
    stay exact (a count of distinct callers over these rows), and the other sums add up."""

    __tablename__ = "report_call_days"
    __table_args__ = (
        Index("ix_report_call_days_read", "project_id", "dimension", "day"),
        NEVER_REUSE_IDS,
    )

    caller: Mapped[str | None] = mapped_column(String(20))  # as calls.caller


class CallSum(DayGroupRow, CallFigures, Base):
    """The calls of a local day and group, summed over their callers (``callers``: how many
    distinct ones): a report by day reads these, one row per cell of its table, instead of one
    ``CallDay`` row per caller; only unique callers over several days need the ``CallDay``s."""

    __tablename__ = "report_call_sums"
    __table_args__ = (
        Index("ix_report_call_sums_read", "project_id", "dimension", "day"),
        NEVER_REUSE_IDS,
    )

    callers: Mapped[int] = mapped_column(Integer)
