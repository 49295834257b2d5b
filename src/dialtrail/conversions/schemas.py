"""Response bodies of the ads conversions API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dialtrail.conversions.models import AdsConversion, AdsFeedCredentials


class ConversionOut(BaseModel):
    id: int
    name: str
    enabled: bool
    answered_only: bool
    min_talk_seconds: int
    first_call_only: bool
    value: str | None = Field(description="Decimal text, as the files carry it.")
    currency: str | None

    @classmethod
    def build(cls, conversion: AdsConversion) -> ConversionOut:
        return cls(
            id=conversion.id,
            name=conversion.name,
            enabled=conversion.enabled,
            answered_only=conversion.answered_only,
            min_talk_seconds=conversion.min_talk_seconds,
            first_call_only=conversion.first_call_only,
            value=conversion.value,
            currency=conversion.currency,
        )


class CredentialsOut(BaseModel):
    username: str
    issued_at: datetime

    @classmethod
    def build(cls, record: AdsFeedCredentials) -> CredentialsOut:
        return cls(username=record.username, issued_at=record.issued_at)


class IssuedCredentialsOut(CredentialsOut):
    password: str = Field(description="Shown this once; only its hash is kept.")


class FeedUrls(BaseModel):
    google: str = Field(description="For Google Ads: scheduled upload from an HTTPS URL.")
    microsoft: str = Field(description="For Microsoft Advertising's scheduled imports.")


class ConversionsOverview(BaseModel):
    items: list[ConversionOut]
    credentials: CredentialsOut | None = Field(
        description="The files' basic-auth user name; none until credentials are issued."
    )
    feed_urls: FeedUrls
