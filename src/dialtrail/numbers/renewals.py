"""The lease renewals the collector's deriver derives from page views and pings (collector/
batch.py): a lease lives ``hold_seconds`` after the session's last activity (docs/design.md §4).

A batch's renewals are applied together. On PostgreSQL one statement renews every lease and
extends their numbers (``RENEW_SESSIONS``): each statement an executemany sends costs the
backend its own execution, and two per session were most of the deriver's database time
(131 µs of 284 per page view, benchmarks/collector_cpu.py). On SQLite, where a statement costs
no round trip, the two per-session statements of numbers/leasing.py run as an executemany.

Either way a renewal only moves a lease forward (a replayed event never shortens it), leaves
alone a lease renewed at the same instant already (the page view that took it: a new row
version of a lease for nothing), and skips lease and number rows another transaction holds
(``SKIP LOCKED``): that is the collector renewing or leasing right now, which moves them at
least as far, and waiting for it could deadlock.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Dialect, Integer, bindparam, text
from sqlalchemy.sql.elements import TextClause

from dialtrail.numbers.leasing import RENEWAL_PADDING, PoolSettings, statements_for
from dialtrail.storage.base import UTCDateTime
from dialtrail.storage.driver import DriverStatement

KEYS = ("b_session", "b_now", "b_expires", "b_padded")
# ``wanted`` holds one row per session (storage/driver.py repeats its VALUES row); ``live``
# the sessions' open leases; a number shared by several of them moves to the furthest expiry.
RENEW_SESSIONS = """
WITH wanted (session_id, at, expires, padded) AS (
  VALUES (CAST(:b_session AS INTEGER), CAST(:b_now AS TIMESTAMP),
          CAST(:b_expires AS TIMESTAMP), CAST(:b_padded AS TIMESTAMP))
),
live AS MATERIALIZED (
  SELECT lease.id, lease.number_id, wanted.at, wanted.expires, wanted.padded
  FROM wanted JOIN number_leases AS lease ON lease.session_id = wanted.session_id
  WHERE lease.released_at IS NULL AND lease.expires_at > wanted.at
),
renewable AS MATERIALIZED (
  SELECT lease.id, live.at, live.expires
  FROM live JOIN number_leases AS lease ON lease.id = live.id
  WHERE lease.renewed_at < live.at
  FOR UPDATE OF lease SKIP LOCKED
),
renewed AS (
  UPDATE number_leases SET renewed_at = renewable.at, expires_at = renewable.expires
  FROM renewable WHERE number_leases.id = renewable.id
),
extendable AS MATERIALIZED (
  SELECT number.id, furthest.padded
  FROM (
    SELECT number_id, max(expires) AS expires, max(padded) AS padded
    FROM live GROUP BY number_id
  ) AS furthest
  JOIN tracking_numbers AS number ON number.id = furthest.number_id
  WHERE number.leased_until < furthest.expires
  FOR UPDATE OF number SKIP LOCKED
)
UPDATE tracking_numbers SET leased_until = extendable.padded
FROM extendable WHERE tracking_numbers.id = extendable.id
"""


def renew_sessions() -> TextClause:
    """The PostgreSQL statement, typed like the columns (the times are stored as UTC)."""
    return text(RENEW_SESSIONS).bindparams(
        bindparam("b_session", type_=Integer()),
        *(bindparam(name, type_=UTCDateTime()) for name in KEYS[1:]),
    )


class DriverStatements:
    """The renewals' statements on the driver's cursor (storage/driver.py)."""

    def __init__(self, dialect: Dialect) -> None:
        self.set_based = dialect.name == "postgresql"
        if self.set_based:
            self.renew_sessions = DriverStatement(renew_sessions(), dialect, KEYS)
        else:
            sql = statements_for(dialect.name)
            self.renew_by_session = DriverStatement(sql.renew_by_session, dialect, KEYS)
            self.extend_number_of_session = DriverStatement(
                sql.extend_number_of_session, dialect, KEYS
            )

    def run(self, connection: Connection, rows: list[dict[str, object]]) -> None:
        if self.set_based:
            self.renew_sessions.insert(connection, rows)  # its VALUES repeated: one statement
        else:
            self.renew_by_session.execute_many(connection, rows)
            self.extend_number_of_session.execute_many(connection, rows)


DRIVER_STATEMENTS: dict[str, DriverStatements] = {}


def driver_statements(connection: Connection) -> DriverStatements:
    found = DRIVER_STATEMENTS.get(connection.dialect.name)
    if found is None:
        found = DriverStatements(connection.dialect)
        DRIVER_STATEMENTS[connection.dialect.name] = found
    return found


def renew_all(connection: Connection, renewals: list[tuple[PoolSettings, int, datetime]]) -> None:
    """Renews the live leases of these sessions (pool, session id, time of the event; one
    renewal per session) and extends their numbers."""
    if not renewals:
        return
    rows: list[dict[str, object]] = [
        {
            "b_session": session_id,
            "b_now": now,
            "b_expires": now + pool.hold,
            "b_padded": now + pool.hold + RENEWAL_PADDING,
        }
        for pool, session_id, now in renewals
    ]
    driver_statements(connection).run(connection, rows)
