"""Response bodies of the numbers API (its request bodies: requests.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from dialtrail.numbers.models import Kind
from dialtrail.numbers.service import NumberState
from dialtrail.numbers.usage import Usage


class NumberOut(BaseModel):
    id: int
    number: str
    kind: Kind
    label: str
    destination: str | None
    status: Literal["free", "leased", "static", "draining", "removed"]
    live_leases: int = Field(description="Sessions holding the number now (>1: shared).")
    lease_expires_at: datetime | None
    last_released_at: datetime | None
    created_at: datetime
    removed_at: datetime | None
    warning: str | None = Field(
        description="Set when the number is of another country than the project's: visitors "
        "would dial abroad to call it.",
        examples=[
            "A number of GB, not of the project's country (US): visitors would dial abroad "
            "to call it"
        ],
    )

    @classmethod
    def build(cls, state: NumberState) -> NumberOut:
        number = state.number
        return cls(
            id=number.id,
            number=number.number,
            kind=number.kind,
            label=number.label,
            destination=number.destination,
            status=state.status,
            live_leases=state.live_leases,
            lease_expires_at=state.lease_expires_at,
            last_released_at=number.last_released_at,
            created_at=number.created_at,
            removed_at=number.removed_at,
            warning=state.warning,
        )


class NumberList(BaseModel):
    items: list[NumberOut]


class NumbersAdded(BaseModel):
    added: list[NumberOut]
    already_present: list[str] = Field(description="Numbers the project had already (E.164).")


class UsageHour(BaseModel):
    hour: datetime
    peak_sessions: int
    pool_size: int
    exhaustions: int
    refused_bots: int
    refused_network: int


class NumberUseOut(BaseModel):
    id: int
    number: str
    sessions: int = Field(description="Sessions holding the number now (>1: shared).")


class UsageOut(BaseModel):
    pool_size: int
    current_leases: int
    peak_sessions: int = Field(description="The busiest hour's concurrently leased sessions.")
    exhaustions: int = Field(description="New sessions that found no free number.")
    recommended_pool_size: int | None = Field(
        description="The busiest hour's peak, plus the numbers that rest through a late-call "
        "window at its rate of new leases, plus headroom (docs/numbers.md); None until the "
        "pool has been used."
    )
    busiest_hour_leases: int = Field(description="Leases started in the busiest hour.")
    expected_accuracy: float | None = Field(
        description="The share of calls to expect attributed to their visit at the current "
        "pool size (0-1), as measured by simulation; None until the pool has been used."
    )
    refused_bots: int = Field(
        description="Page views of bots (crawlers, headless browsers) shown the default number."
    )
    refused_network: int = Field(
        description="New sessions shown the default number: their network held as many "
        "leases as DIALTRAIL_LEASES_PER_NETWORK allows."
    )
    hours: list[UsageHour]
    shared_numbers: int = Field(description="Pool numbers shared by several sessions now.")
    numbers: list[NumberUseOut] = Field(
        description="Each pool number (and each draining one still held) with its sessions now."
    )

    @classmethod
    def build(cls, usage: Usage) -> UsageOut:
        return cls(
            pool_size=usage.pool_size,
            current_leases=usage.current_leases,
            peak_sessions=usage.peak_sessions,
            exhaustions=usage.exhaustions,
            recommended_pool_size=usage.recommended_pool_size,
            busiest_hour_leases=usage.busiest_hour_leases,
            expected_accuracy=usage.expected_accuracy,
            refused_bots=usage.refused_bots,
            refused_network=usage.refused_network,
            hours=[UsageHour(**hour.__dict__) for hour in usage.hours],
            shared_numbers=usage.shared_numbers,
            numbers=[NumberUseOut(**number.__dict__) for number in usage.numbers],
        )
