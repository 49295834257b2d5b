"""Response bodies of the ads conversions API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dialtrail.conversions.models import AdsConversion, AdsFeedCredentials, AdsFileFetch


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


class FetchOut(BaseModel):
    fetched_at: datetime
    status: int = Field(description="200 served, 401 refused (wrong or missing credentials).")
    rows: int | None = Field(description="The rows of a served file.")
    user_agent: str | None

    @classmethod
    def build(cls, fetch: AdsFileFetch) -> FetchOut:
        return cls(
            fetched_at=fetch.fetched_at,
            status=fetch.status,
            rows=fetch.rows,
            user_agent=fetch.user_agent,
        )


class FileFetches(BaseModel):
    google: list[FetchOut]
    microsoft: list[FetchOut]


class ConversionsOverview(BaseModel):
    items: list[ConversionOut]
    credentials: CredentialsOut | None = Field(
        description="The files' basic-auth user name; none until credentials are issued."
    )
    feed_urls: FeedUrls
    fetches: FileFetches = Field(
        description="Each file's newest fetches (at most 20), newest first: the files' "
        "deliveries log."
    )
