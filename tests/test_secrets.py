"""The server's secret key and the box that encrypts stored credentials."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dialtrail.secrets import SecretBox, UnreadableSecret, derived_key, secret_key
from dialtrail.settings import load


def test_it_generates_a_key_once_and_keeps_it_private(tmp_path: Path) -> None:
    settings = load({})
    generated = tmp_path / "var" / "secret_key"
    first = secret_key(settings, generated)
    assert len(first) >= 32
    assert stat.S_IMODE(generated.stat().st_mode) == 0o600
    assert secret_key(settings, generated) == first


def test_it_prefers_the_configured_key(tmp_path: Path) -> None:
    settings = load({"DIALTRAIL_SECRET_KEY": "k" * 40})
    generated = tmp_path / "secret_key"
    assert secret_key(settings, generated) == "k" * 40
    assert not generated.exists()


def test_it_refuses_a_short_key() -> None:
    with pytest.raises(ValueError, match=r"DIALTRAIL_SECRET_KEY.*at least 32"):
        load({"DIALTRAIL_SECRET_KEY": "short"})


def test_it_reads_back_what_it_sealed_and_hides_it() -> None:
    box = SecretBox("a" * 40)
    sealed = box.seal("twilio-auth-token-123")
    assert "twilio-auth-token-123" not in sealed
    assert box.open(sealed) == "twilio-auth-token-123"


def test_it_says_when_the_key_changed() -> None:
    sealed = SecretBox("a" * 40).seal("token")
    with pytest.raises(UnreadableSecret, match="DIALTRAIL_SECRET_KEY has changed"):
        SecretBox("b" * 40).open(sealed)


def test_it_derives_a_different_key_per_purpose() -> None:
    assert derived_key("a" * 40, "csrf") != derived_key("a" * 40, "encryption")
