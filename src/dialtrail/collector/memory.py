"""What this process knows of the sessions it served: that they exist, and their live lease.

A page view of a session whose lease this process granted or renewed is answered from here,
without a statement: the number it had, while that lease cannot have expired. The lease was
renewed in the database at ``renewed_at`` and lives for the pool's hold from then; it is
trusted only until a safety margin before that, after which the next page view or ping renews
it synchronously again. Renewals by the events answered in between are derived from the
journal (deriver.py), so the lease lives on in the database whatever this memory says, and
even with the deriver stopped the memory never answers with a lease that has ended.

Entries are learned after their transaction committed (writer.py's ``committed``), never
before: a batch that failed teaches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LIMIT = 100_000  # sessions remembered; the memory is emptied when it grows past this
LONGEST_MARGIN = timedelta(seconds=30)

Key = tuple[int, str]  # (project id, session key)


@dataclass(frozen=True)
class Known:
    session_id: int | None  # None: known to exist (journaled), not yet derived
    number: str | None = None  # the live lease's number, if any
    trusted_until: datetime | None = None


def margin(hold: timedelta) -> timedelta:
    """How long before the lease's end the memory stops trusting it: a tenth of the hold, at
    most 30 s (the deriver renews within a second; this leaves room for a slow one)."""
    return min(LONGEST_MARGIN, hold / 10)


class Memory:
    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.sessions: dict[Key, Known] = {}

    def number(self, key: Key, now: datetime) -> str | None:
        """The session's number if its lease is trusted at ``now``."""
        known = self.sessions.get(key)
        if known is None or known.trusted_until is None or known.trusted_until <= now:
            return None
        return known.number

    def knows(self, key: Key) -> bool:
        return key in self.sessions

    def session_id(self, key: Key) -> int | None:
        known = self.sessions.get(key)
        return None if known is None else known.session_id

    def learn(self, key: Key, known: Known) -> None:
        if len(self.sessions) >= self.limit and key not in self.sessions:
            self.sessions.clear()
        current = self.sessions.get(key)
        if current is not None and known.number is None and known.session_id is None:
            return  # an event answered from memory teaches nothing new
        self.sessions[key] = known


def trusted(session_id: int, number: str, renewed_at: datetime, hold: timedelta) -> Known:
    """A lease renewed (or taken) at ``renewed_at``, as memory trusts it."""
    return Known(session_id, number, renewed_at + hold - margin(hold))
