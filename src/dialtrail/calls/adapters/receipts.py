"""The last requests each telephony adapter received for a project, and what became of them:
accepted, a signature mismatch, or another refusal with its reason (shown on the admin's
Project settings, so a wrong URL in the provider's console is visible at once).

Every adapter route runs inside ``noted``: an accepted request's note joins the request's own
transaction; a refusal rolls the request back and writes only its note. Cheap: one upsert of
one row per project and provider, and each server process writes the same outcome at most
once a minute (ReceiptNotes), so a busy line or a flood of forged requests costs next to
nothing; a change of outcome is written at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError
from dialtrail.calls.models import RECENT_RECEIPTS, TelephonyReceipt

NOTE_EVERY_SECONDS = 60.0
MAX_REASON = 500


class SignatureMismatch(ApiError):
    """A request whose signature is not the provider's for the project's credentials: a 403
    noted apart from other refusals, as it is the usual set-up mistake."""

    def __init__(self, message: str) -> None:
        super().__init__(403, "forbidden", message)


@dataclass(frozen=True)
class Receipt:
    provider: str
    hook: str
    outcome: str
    status: int
    reason: str = ""


def receipt_of(provider: str, hook: str, error: ApiError | None) -> Receipt:
    """Pure: what a request's answer says about the set-up."""
    if error is None:
        return Receipt(provider, hook, "accepted", 200)
    outcome = "signature_mismatch" if isinstance(error, SignatureMismatch) else "refused"
    return Receipt(provider, hook, outcome, error.status, error.message[:MAX_REASON])


class ReceiptNotes:
    """Which outcome each (project, provider) last had written by this process, and when."""

    def __init__(
        self, every: float = NOTE_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every = every
        self.clock = clock
        self.written: dict[tuple[int, str], tuple[str, float]] = {}
        self.lock = threading.Lock()

    def due(self, project_id: int, receipt: Receipt) -> bool:
        key, now = (project_id, receipt.provider), self.clock()
        with self.lock:
            last = self.written.get(key)
            if last is not None and last[0] == receipt.outcome and now - last[1] < self.every:
                return False
            if len(self.written) > 10_000:  # bounded: forgetting only costs a write
                self.written.clear()
            self.written[key] = (receipt.outcome, now)
            return True

    def forget(self, project_id: int, provider: str) -> None:
        """After a note was lost (its transaction failed), the next request writes again."""
        with self.lock:
            self.written.pop((project_id, provider), None)


def write(db: Session, project_id: int, receipt: Receipt, now: datetime) -> None:
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    row = {"project_id": project_id, "received_at": now, **receipt.__dict__}
    statement = insert(TelephonyReceipt).values(row)
    kept = ("received_at", "hook", "outcome", "status", "reason")
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id", "provider"],
            set_={name: statement.excluded[name] for name in kept},
        )
    )
    add_to_recent(db, project_id, receipt, now)


def add_to_recent(db: Session, project_id: int, receipt: Receipt, now: datetime) -> None:
    """Puts the note first in the row's recent ones. The upsert above holds the row's lock (on
    SQLite, the database's write lock) until the commit, so no other note is lost meanwhile."""
    where = (TelephonyReceipt.project_id == project_id) & (
        TelephonyReceipt.provider == receipt.provider
    )
    recent = db.scalar(select(TelephonyReceipt.recent).where(where)) or []
    entry = {"received_at": now.isoformat(), **receipt.__dict__}
    entry.pop("provider")
    db.execute(
        update(TelephonyReceipt)
        .where(where)
        .values(recent=[entry, *recent][:RECENT_RECEIPTS])
        .execution_options(synchronize_session=False)
    )


def note(request: Request, db: Session, project_id: int, receipt: Receipt) -> None:
    notes: ReceiptNotes = request.app.state.telephony_receipts
    if notes.due(project_id, receipt):
        write(db, project_id, receipt, request.app.state.clock())


@contextmanager
def noted(
    request: Request, db: Session, project_id: int, provider: str, hook: str
) -> Iterator[None]:
    """Runs an adapter's handling of one request and notes its outcome; the caller commits
    after the block. An unknown project (404) has nothing to note."""
    try:
        yield
    except ApiError as error:
        db.rollback()  # nothing of a refused request is kept, only the note of it
        if error.status != 404:
            note_alone(request, db, project_id, receipt_of(provider, hook, error))
        raise
    note(request, db, project_id, receipt_of(provider, hook, None))


def note_alone(request: Request, db: Session, project_id: int, receipt: Receipt) -> None:
    try:
        note(request, db, project_id, receipt)
        db.commit()
    except Exception:
        # Best effort (the project deleted meanwhile, a lost connection): the refusal itself
        # is what the provider must get.
        db.rollback()
        forget(request, project_id, receipt.provider)


def forget(request: Request, project_id: int, provider: str) -> None:
    notes: ReceiptNotes = request.app.state.telephony_receipts
    notes.forget(project_id, provider)


def last_receipt(db: Session, project_id: int, provider: str) -> TelephonyReceipt | None:
    return db.get(TelephonyReceipt, (project_id, provider))


@dataclass(frozen=True)
class Noted:
    """One of the recent notes, as the admin shows it."""

    received_at: datetime
    hook: str
    outcome: str
    status: int
    reason: str


def recent_receipts(found: TelephonyReceipt | None) -> list[Noted]:
    """Pure: the row's recent notes, newest first; a row written before they were kept (its
    ``recent`` empty) has its one request."""
    if found is None:
        return []
    if not found.recent:
        return [Noted(found.received_at, found.hook, found.outcome, found.status, found.reason)]
    return [
        Noted(datetime.fromisoformat(entry["received_at"]), entry["hook"], entry["outcome"],
              entry["status"], entry.get("reason", ""))
        for entry in found.recent
    ]  # fmt: skip
