"""Which web session made a call (docs/design.md §4): the rules as a pure function, and the
queries that gather what they need.

A call to tracking number N at time T has as **candidates** every session that could have
dialled N then: those whose lease on N covers T, those whose lease on N ended less than
``late_call_seconds`` before T (a visitor who calls a little after leaving), and those that
earlier calls from the same caller to N named (a caller calling back from the phone's log).
First match wins:

1. exactly one candidate, and its lease covers T → ``session``;
2. exactly one candidate, its lease ended within the late window → ``late``;
3. several candidates → ``ambiguous``: the most recently active covering lease's session (else
   the last to end), the others kept as candidates;
4. N is a static number → ``static``, with the number's label as the source;
5. otherwise → ``none``.

A session is named without doubt only when nobody else could have seen the number: a late
caller of the number's previous holder, or a caller back from an earlier visit, can no longer
be silently credited to whoever holds the number now (docs/numbers.md, "How accurate
attribution is", measured by benchmarks/attribution.py).

A lease covers N from ``started_at`` until its end: ``released_at`` when set, else
``expires_at`` (an open lease past its expiry is over even before the leasing code closes it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialtrail.calls.models import Call
from dialtrail.numbers.models import NumberLease, TrackingNumber


@dataclass(frozen=True)
class LeaseFacts:
    """What the rules need to know about one lease of the dialled number."""

    session_id: int
    started_at: datetime
    ends_at: datetime  # released_at, else expires_at
    renewed_at: datetime  # the session's last activity on the lease
    lease_id: int = 0  # breaks ties between leases renewed at the same instant

    def covers(self, moment: datetime) -> bool:
        return self.started_at <= moment < self.ends_at

    @property
    def recency(self) -> tuple[datetime, datetime, int]:
        return (self.renewed_at, self.started_at, self.lease_id)


@dataclass(frozen=True)
class NumberFacts:
    """The dialled number as the project knows it; None values for an unknown number."""

    kind: str | None  # "pool", "static", or None: not one of the project's numbers
    label: str = ""


@dataclass(frozen=True)
class Attribution:
    attribution: str  # session | ambiguous | late | static | none
    insertion_type: str  # dynamic | static | none
    session_id: int | None = None
    candidate_session_ids: tuple[int, ...] = field(default=())
    source_label: str | None = None


INSERTION_TYPES = {"pool": "dynamic", "static": "static", None: "none"}


def attribute(
    number: NumberFacts,
    leases: Sequence[LeaseFacts],
    moment: datetime,
    late_call_seconds: int,
    earlier: Sequence[int] = (),
) -> Attribution:
    """Rules 1-5 for a call that started at ``moment``; ``earlier``: the sessions earlier calls
    from the same caller to this number named, most recent first."""
    insertion_type = INSERTION_TYPES.get(number.kind, "none")
    covering = sorted(
        (lease for lease in leases if lease.covers(moment)),
        key=lambda lease: lease.recency,
        reverse=True,
    )
    late = recently_ended(leases, moment, late_call_seconds)
    if covering or late:
        chosen = (covering or late)[0].session_id
        others = [lease.session_id for lease in (*covering, *late)] + list(earlier)
        return named(chosen, others, "session" if covering else "late", insertion_type)
    if number.kind == "static":
        return Attribution("static", insertion_type, source_label=number.label or None)
    return Attribution("none", insertion_type)


def named(chosen: int, others: Sequence[int], undoubted: str, insertion_type: str) -> Attribution:
    """``chosen``, without doubt when no other session is a candidate (the same session holding
    two leases is not a doubt)."""
    candidates = tuple(dict.fromkeys(other for other in others if other != chosen))
    if not candidates:
        return Attribution(undoubted, insertion_type, chosen)
    return Attribution("ambiguous", insertion_type, chosen, candidates)


def recently_ended(
    leases: Sequence[LeaseFacts], moment: datetime, late_call_seconds: int
) -> list[LeaseFacts]:
    """The leases that ended before ``moment`` within the late window, the last to end first."""
    window = timedelta(seconds=late_call_seconds)
    ended = [lease for lease in leases if lease.ends_at <= moment < lease.ends_at + window]
    return sorted(ended, key=lambda lease: (lease.ends_at, *lease.recency), reverse=True)


def find_number(db: Session, project_id: int, number: str) -> TrackingNumber | None:
    """The project's number, removed ones included: a draining number still takes calls."""
    query = select(TrackingNumber).where(
        TrackingNumber.project_id == project_id, TrackingNumber.number == number
    )
    return db.scalar(query)


def leases_around(
    db: Session, number_id: int, moment: datetime, late_call_seconds: int
) -> list[LeaseFacts]:
    """Every lease of the number that started by ``moment`` and had not ended before the late
    window opened: enough for rules 1-3."""
    ends_at = func.coalesce(NumberLease.released_at, NumberLease.expires_at)
    window_opens = moment - timedelta(seconds=late_call_seconds)
    query = select(NumberLease).where(
        NumberLease.number_id == number_id,
        NumberLease.started_at <= moment,
        ends_at > window_opens,
    )
    return [lease_facts(lease) for lease in db.scalars(query)]


def lease_facts(lease: NumberLease) -> LeaseFacts:
    return LeaseFacts(
        session_id=lease.session_id,
        started_at=lease.started_at,
        ends_at=lease.released_at or lease.expires_at,
        renewed_at=lease.renewed_at,
        lease_id=lease.id,
    )


# The sessions a caller's latest calls to a number named (a caller back from the phone's log).
EARLIER_CALLS = 3


def earlier_sessions(
    db: Session, project_id: int, number_id: int, caller: str | None, moment: datetime
) -> list[int]:
    """The sessions the caller's latest calls to the number before ``moment`` named; none for a
    withheld caller, who cannot be told from anyone else."""
    if caller is None:
        return []
    query = (
        select(Call.session_id)
        .where(
            Call.project_id == project_id,
            Call.caller == caller,
            Call.tracking_number_id == number_id,
            Call.started_at < moment,
            Call.session_id.is_not(None),
        )
        .order_by(Call.started_at.desc())
        .limit(EARLIER_CALLS)
    )
    return [session_id for session_id in db.scalars(query) if session_id is not None]


def attribute_call(
    db: Session,
    project_id: int,
    number: str,
    moment: datetime,
    late_call_seconds: int,
    caller: str | None = None,
) -> tuple[Attribution, TrackingNumber | None]:
    """Rules 1-5 against the database, for a call from ``caller`` to ``number`` (E.164)
    started at ``moment``."""
    tracking_number = find_number(db, project_id, number)
    if tracking_number is None:
        return attribute(NumberFacts(None), [], moment, late_call_seconds), None
    leases = leases_around(db, tracking_number.id, moment, late_call_seconds)
    earlier = earlier_sessions(db, project_id, tracking_number.id, caller, moment)
    facts = NumberFacts(tracking_number.kind, tracking_number.label)
    return attribute(facts, leases, moment, late_call_seconds, earlier), tracking_number
