"""Calls and the telephony events that built them (docs/design.md §5).

A call is one row per (project, provider, external call id), built up from its events in
whatever order they arrive; ``call_events`` keeps each event once, which makes a repeated event
a no-op. The visit and entity snapshots are taken when the call is attributed (its start) and
never change afterwards, so every later event and webhook carries the same values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dialtrail.storage.base import NEVER_REUSE_IDS, Base, UTCDateTime, one_of, utcnow

# Each enumeration once: the Literal for the schemas, its values for the database's check.
CallEventKind = Literal["started", "answered", "ended"]
Disposition = Literal["answered", "no_answer", "busy", "failed", "voicemail"]
Attribution = Literal["session", "ambiguous", "late", "static", "none"]
InsertionType = Literal["dynamic", "static", "none"]
EVENTS: tuple[CallEventKind, ...] = get_args(CallEventKind)
DISPOSITIONS: tuple[Disposition, ...] = get_args(Disposition)
ATTRIBUTIONS: tuple[Attribution, ...] = get_args(Attribution)
INSERTION_TYPES: tuple[InsertionType, ...] = get_args(InsertionType)


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint(
            "project_id", "provider", "external_id", name="uq_calls_project_provider_external"
        ),
        Index("ix_calls_project_started", "project_id", "started_at"),
        Index("ix_calls_project_caller", "project_id", "caller"),
        one_of("attribution", ATTRIBUTIONS),
        one_of("insertion_type", INSERTION_TYPES),
        one_of("disposition", DISPOSITIONS, nullable=True),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))  # "api", "twilio", …
    external_id: Mapped[str] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(16), default="incoming")
    caller: Mapped[str | None] = mapped_column(String(20), default=None)  # E.164; None: withheld
    # The caller as the telephony sent it when it is not a phone number (an extension "101",
    # "sip:alice@example.com"): kept rather than losing the call. None: ``caller`` or withheld.
    caller_raw: Mapped[str | None] = mapped_column(String(255), default=None)
    tracking_number: Mapped[str] = mapped_column(String(20))  # E.164, the number dialled
    tracking_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("tracking_numbers.id", ondelete="SET NULL"), default=None
    )
    destination: Mapped[str | None] = mapped_column(String(255), default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    wait_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    talk_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    duration_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    disposition: Mapped[str | None] = mapped_column(String(16), default=None)
    recording_url: Mapped[str | None] = mapped_column(Text, default=None)
    insertion_type: Mapped[str] = mapped_column(String(8), default="none")
    attribution: Mapped[str] = mapped_column(String(16), default="none")
    # The static number's label ("Billboard A40"), for attribution "static".
    source_label: Mapped[str | None] = mapped_column(String(200), default=None)
    # Sessions a call refers to are kept by `dialtrail prune`; SET NULL only guards against a
    # session deleted some other way.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), default=None, index=True
    )
    visitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("visitors.id", ondelete="SET NULL"), default=None
    )
    # Attribution "ambiguous": the other sessions that could have dialled the number at call
    # start (calls/attribution.py: holders, late leavers, the caller's earlier sessions).
    candidate_session_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    is_first_call: Mapped[bool] = mapped_column(Boolean, default=True)
    # docs/design.md §5: source fields of §1 plus the page URL at call time; {} when unattributed.
    visit: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # docs/design.md §2: {name: {value, observed_at, page_url}} for every enabled entity.
    entities: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CallEvent(Base):
    """One telephony event, kept once: a repeat of (call, event) changes nothing."""

    __tablename__ = "call_events"
    __table_args__ = (
        UniqueConstraint("call_id", "event", name="uq_call_events_call_event"),
        one_of("event", EVENTS),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it happened, per the telephony
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {"fields": what the event says, normalised (events.TelephonyEvent.fields_json: the
    # call's progress is rebuilt from these), "received": the request as the provider sent it}
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


ReceiptOutcome = Literal["accepted", "signature_mismatch", "refused"]
RECEIPT_OUTCOMES: tuple[ReceiptOutcome, ...] = get_args(ReceiptOutcome)


RECENT_RECEIPTS = 10


class TelephonyReceipt(Base):
    """The last request a telephony adapter received for a project, and what became of it, so
    the admin's set-up page shows at once why calls do not arrive (a signature mismatch: the
    URL in the provider's console differs from DIALTRAIL_BASE_URL). One row per project and
    provider, overwritten (calls/adapters/receipts.py), at most once a minute per outcome and
    server process; ``recent`` keeps the last RECENT_RECEIPTS of them."""

    __tablename__ = "telephony_receipts"
    __table_args__ = (one_of("outcome", RECEIPT_OUTCOMES),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hook: Mapped[str] = mapped_column(String(32))  # the adapter's route: "voice", "status"
    outcome: Mapped[str] = mapped_column(String(20))
    status: Mapped[int] = mapped_column(Integer)  # the HTTP status answered
    reason: Mapped[str] = mapped_column(Text, default="")  # a refusal's message, cut to 500
    # The last RECENT_RECEIPTS notes, newest first (this one included):
    # {received_at, hook, outcome, status, reason}.
    recent: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
