"""Settings: one module, typed, loud about bad values, every variable documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialtrail import settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_need_no_environment() -> None:
    loaded = settings.load({})
    assert loaded.database_url == "sqlite:///var/dialtrail.sqlite3"
    assert (loaded.host, loaded.port) == ("127.0.0.1", 8000)
    assert loaded.public_url == "http://127.0.0.1:8000"
    assert loaded.is_sqlite


def test_it_reads_postgresql_and_a_base_url() -> None:
    loaded = settings.load(
        {
            "DIALTRAIL_DATABASE_URL": "postgresql+psycopg://u:p@db:5432/dialtrail",
            "DIALTRAIL_BASE_URL": "https://calls.example.com/",
            "DIALTRAIL_PORT": "9000",
        }
    )
    assert not loaded.is_sqlite
    assert loaded.public_url == "https://calls.example.com"
    assert loaded.port == 9000


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("DIALTRAIL_PORT", "eighty", "DIALTRAIL_PORT='eighty' is invalid"),
        ("DIALTRAIL_PORT", "70000", "between 1 and 65535"),
        ("DIALTRAIL_DATABASE_URL", "mysql://x", "postgresql+psycopg://"),
        ("DIALTRAIL_DATABASE_URL", "postgresql://x/y", "psycopg 3"),
        ("DIALTRAIL_BASE_URL", "calls.example.com", "http:// or https://"),
        ("DIALTRAIL_SQLITE_BUSY_TIMEOUT", "-1", "positive"),
        ("DIALTRAIL_LOG_LEVEL", "loud", "debug, info"),
        ("DIALTRAIL_METRICS_TOKEN", "short", "at least 16"),
        ("DIALTRAIL_METRICS_TOKEN", "a token with spaces in it", "spaces"),
    ],
)
def test_a_bad_value_names_the_variable(variable: str, value: str, words: str) -> None:
    with pytest.raises(settings.SettingsError) as raised:
        settings.load({variable: value})
    assert variable in str(raised.value)
    assert words in str(raised.value)


def test_test_switches_read_as_booleans() -> None:
    loaded = settings.load_test_settings({"DIALTRAIL_REQUIRE_POSTGRES": "yes"})
    assert loaded.require_postgres is True
    assert loaded.require_browser is False
    with pytest.raises(settings.SettingsError, match="DIALTRAIL_REQUIRE_BROWSER"):
        settings.load_test_settings({"DIALTRAIL_REQUIRE_BROWSER": "maybe"})


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"^### (DIALTRAIL_[A-Z_]+)\s*$", text, flags=re.MULTILINE))
    declared = {d.variable for d in settings.DECLARATIONS + settings.TEST_DECLARATIONS}
    assert declared - documented == set(), "add these to docs/configuration.md"
    assert documented - declared == set(), "docs/configuration.md documents unknown settings"


def test_no_other_module_reads_the_environment() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "src" / "dialtrail").rglob("*.py")
        if path.name != "settings.py" and re.search(r"os\.environ|getenv\(", path.read_text())
    ]
    assert offenders == []
