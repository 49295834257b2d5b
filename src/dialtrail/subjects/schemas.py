"""Request and response bodies of the data-subjects API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from dialtrail.api.schemas import RequestBody
from dialtrail.subjects.models import Erasure, SelectorKind


class SubjectSelector(RequestBody):
    kind: SelectorKind = Field(
        description="visitor (the _dt_v cookie), session (the _dt_s cookie), ga_client_id "
        "(123.456 or the _ga cookie), or caller (a phone number in any usual spelling, or "
        "the caller as the telephony sent it)."
    )
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class ErasureOut(BaseModel):
    id: int
    selector_kind: SelectorKind
    requested_by: str = Field(description="user:<id> (API) or the CLI's --by.")
    counts: dict[str, Any] = Field(
        description="Rows erased (sessions, page_views, observations, journal_rows, "
        "visitors) and calls anonymised (calls)."
    )
    erased_at: datetime

    @classmethod
    def build(cls, erasure: Erasure) -> ErasureOut:
        return cls(
            id=erasure.id,
            selector_kind=erasure.selector_kind,
            requested_by=erasure.requested_by,
            counts=erasure.counts,
            erased_at=erasure.erased_at,
        )


class ErasureList(BaseModel):
    items: list[ErasureOut]
