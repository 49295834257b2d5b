"""Request bodies of the numbers API, which the service takes as they are (typed input)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dialtrail.api.schemas import RequestBody
from dialtrail.numbers.models import Kind

PhoneNumber = Annotated[
    str,
    Field(
        max_length=40,
        description="Any usual spelling; national spellings need the project's country.",
        examples=["+380441112233"],
    ),
]
Label = Annotated[str, Field(max_length=200, description="The source a static number stands for.")]
Destination = Annotated[
    str,
    Field(max_length=255, description="Where calls to this number go, if not the project's."),
]


class NumberCreate(RequestBody):
    number: PhoneNumber
    kind: Kind = "pool"
    label: Label = ""
    destination: Destination | None = None


class NumbersCreate(RequestBody):
    numbers: list[PhoneNumber] = Field(min_length=1, max_length=500)
    kind: Kind = "pool"
    label: Label = ""
    destination: Destination | None = None


class NumberUpdate(RequestBody):
    kind: Kind | None = None
    label: Label | None = None
    destination: Destination | None = None
