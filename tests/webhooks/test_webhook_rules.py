"""The pure rules of a webhook's configuration, without a server."""

from __future__ import annotations

import base64

import pytest

from dialtrail.webhooks import rules
from dialtrail.webhooks.signing import new_secret


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("%Y\ud800", "cannot render"),
        ("%", "lone %"),
        ("%%Y", "at least one directive"),
        ("%Q", "%Q is not a portable"),
    ],
)
def test_a_bad_date_format_says_why(pattern: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        rules.check_date_format(pattern)


def test_a_strftime_pattern_renders_the_sample_date() -> None:
    assert rules.render_date("%d.%m.%Y %H:%M") == "27.11.2026 10:15"
    assert rules.check_date_format("%%Y is %Y") == "%%Y is %Y"


def test_masking_shows_at_most_the_last_four_characters() -> None:
    assert rules.masked("Bearer crm-token-0123456789") == "••••6789"
    assert rules.masked("short-value") == "••••"
    assert rules.masked("") == "••••"


def test_secrets_are_standard_webhooks_secrets_and_never_repeat() -> None:
    secrets = {new_secret() for _ in range(100)}
    assert len(secrets) == 100
    for secret in secrets:
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 24


@pytest.mark.parametrize("name", ["X-Api-Key", "Authorization", "x_tenant", "Cookie"])
def test_ordinary_header_names_are_accepted(name: str) -> None:
    assert rules.check_header_name(name) == name
