"""Which web session made a call (docs/design.md §4): the rules as a pure function, and the one
query
that gathers what they need.

A call to tracking number N at time T is attributed by these rules, first match wins:

1. one lease on N covers T → ``session``;
2. several cover T (the pool was exhausted and N shared) → the most recently active lease's
   session, ``ambiguous``, with the other sessions kept as candidates;
3. none covers T, but N's last lease ended less than ``late_call_seconds`` before T and N was
   not leased since → that session, ``late``;
4. N is a static number → ``static``, with the number's label as the source;
5. otherwise → ``none``.

A lease covers N from ``started_at`` until its end: ``released_at`` when set, else
``expires_at`` (an open lease past its expiry is over even before the leasing code closes it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
) -> Attribution:
    """Rules 1-5 for a call that started at ``moment``."""
    insertion_type = INSERTION_TYPES.get(number.kind, "none")
    covering = sorted(
        (lease for lease in leases if lease.covers(moment)),
        key=lambda lease: lease.recency,
        reverse=True,
    )
    if len(covering) == 1:
        return Attribution("session", insertion_type, covering[0].session_id)
    if covering:
        return ambiguous(covering, insertion_type)
    late = late_lease(leases, moment, late_call_seconds)
    if late is not None:
        return Attribution("late", insertion_type, late.session_id)
    if number.kind == "static":
        return Attribution("static", insertion_type, source_label=number.label or None)
    return Attribution("none", insertion_type)


def ambiguous(covering: Sequence[LeaseFacts], insertion_type: str) -> Attribution:
    chosen = covering[0].session_id
    others = tuple(
        dict.fromkeys(lease.session_id for lease in covering[1:] if lease.session_id != chosen)
    )
    if not others:  # the same session holding two leases is not a doubt
        return Attribution("session", insertion_type, chosen)
    return Attribution("ambiguous", insertion_type, chosen, others)


def late_lease(
    leases: Sequence[LeaseFacts], moment: datetime, late_call_seconds: int
) -> LeaseFacts | None:
    """The lease that ended last before ``moment``, when it ended within the late window and
    no lease of the number started after it ended (else a newer visitor saw the number)."""
    ended = [lease for lease in leases if lease.ends_at <= moment]
    if not ended:
        return None
    last = max(ended, key=lambda lease: (lease.ends_at, *lease.recency))
    if moment - last.ends_at >= timedelta(seconds=late_call_seconds):
        return None
    if any(last.ends_at < lease.started_at <= moment for lease in leases):
        return None
    return last


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
    window opened: enough for rules 1-3, including "not leased since"."""
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


def attribute_call(
    db: Session, project_id: int, number: str, moment: datetime, late_call_seconds: int
) -> tuple[Attribution, TrackingNumber | None]:
    """Rules 1-5 against the database, for a call to ``number`` (E.164) started at ``moment``."""
    tracking_number = find_number(db, project_id, number)
    if tracking_number is None:
        return attribute(NumberFacts(None), [], moment, late_call_seconds), None
    leases = leases_around(db, tracking_number.id, moment, late_call_seconds)
    facts = NumberFacts(tracking_number.kind, tracking_number.label)
    return attribute(facts, leases, moment, late_call_seconds), tracking_number
