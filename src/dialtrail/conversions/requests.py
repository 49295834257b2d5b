"""The request body of a conversion definition, which service.py takes as it is."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from dialtrail.api.schemas import RequestBody
from dialtrail.conversions.currencies import CURRENCIES
from dialtrail.conversions.models import NAME_LENGTH

ConversionName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH)
]
MAX_TALK_SECONDS = 86_400
FORMULA_STARTS = "=+-@"
PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


class ConversionBody(RequestBody):
    """A conversion definition: which calls count, under which name and with which value."""

    name: ConversionName = Field(
        description="The conversion action's name, exactly as in Google Ads or Microsoft "
        "Advertising (1 to 100 characters)."
    )
    enabled: bool = True
    answered_only: bool = Field(False, description="Only calls someone answered.")
    min_talk_seconds: int = Field(
        0, ge=0, le=MAX_TALK_SECONDS, description="Only calls that talked at least this long."
    )
    first_call_only: bool = Field(False, description="Only a caller's first call.")
    value: Decimal | None = Field(
        None,
        ge=0,
        max_digits=14,
        decimal_places=2,
        description="The conversion's value (up to 2 decimals); none: the action's default.",
    )
    currency: str | None = Field(
        None, description="ISO 4217 code of the value's currency (EUR, USD, …)."
    )

    @field_validator("name")
    @classmethod
    def refuse_line_breaks(cls, name: str) -> str:
        if any(character in name for character in "\r\n\t"):
            raise ValueError("a conversion name is one line, without tabs")
        if name[0] in FORMULA_STARTS:
            # The file is also downloaded and opened in spreadsheets, which would run it.
            raise ValueError(f"a conversion name may not start with {name[0]!r}")
        return name

    @field_validator("value", mode="before")
    @classmethod
    def plain_decimal(cls, value: object) -> object:
        # A value typed in a form ("120,50", "1,200", "$120") gets a message a person can act
        # on rather than the parser's "valid decimal"; numbers from JSON go on as they are.
        if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value.strip()):
            raise ValueError(
                f"{value!r} is not an amount such as 120.50: digits, a dot before at most "
                "2 decimals, no thousands separator or currency sign"
            )
        return value

    @field_validator("currency")
    @classmethod
    def known_currency(cls, currency: str | None) -> str | None:
        if currency is None:
            return None
        code = currency.strip().upper()
        if code not in CURRENCIES:
            raise ValueError(f"{currency!r} is not an ISO 4217 currency code (such as EUR, USD)")
        return code
