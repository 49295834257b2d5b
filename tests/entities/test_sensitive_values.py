"""Values that would forward every cookie or all of a storage to the CRM, found on the parsed
value (entities/sensitive.py), without a server."""

from __future__ import annotations

import pytest

from dialtrail.entities.rules import check_value
from dialtrail.entities.sensitive import (
    COOKIES,
    LOCAL_STORAGE,
    SESSION_STORAGE,
    forwarded_wholesale,
    refusal,
)


def wholesale(value: str, entity_type: str = "expression") -> list[str]:
    return forwarded_wholesale(check_value(entity_type, value, allow_raw_js=True))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("document.cookie", [COOKIES]),
        ("window.document.cookie", [COOKIES]),
        ('self.window["document"]["cookie"]', [COOKIES]),
        ("globalThis.document.cookie", [COOKIES]),
        ('cookie("visit") || document.cookie', [COOKIES]),
        ("(localStorage || document.cookie)", [LOCAL_STORAGE, COOKIES]),
        ("localStorage", [LOCAL_STORAGE]),
        ("window.sessionStorage", [SESSION_STORAGE]),
    ],
)
def test_it_finds_a_whole_cookie_or_storage_read(value: str, expected: list[str]) -> None:
    assert wholesale(value) == expected


@pytest.mark.parametrize("value", ["document.cookie", "window.document.cookie", "localStorage"])
def test_a_simple_path_is_checked_too(value: str) -> None:
    assert wholesale(value, "simple") != []


@pytest.mark.parametrize(
    "value",
    [
        'cookie("_ga")',
        'storage("visit")',
        'session_storage("visit")',
        "localStorage.visit",
        'window.localStorage["visit"]',
        "document.title",
        "document.cookie.length",
        "window.document",
        'match(document.cookie, "visit=([^;]+)")',  # the pattern picks what is sent
        "r7k12_si",
        "cookie_jar",
        'text("#cookie")',
    ],
)
def test_it_leaves_one_item_reads_alone(value: str) -> None:
    assert wholesale(value) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("js:document.cookie", [COOKIES + ", unless your code picks one cookie out of it"]),
        (
            "js:window.document . cookie.split(';')",
            [COOKIES + ", unless your code picks one cookie out of it"],
        ),
        ("js:document['cookie']", [COOKIES + ", unless your code picks one cookie out of it"]),
        ("js:JSON.stringify(localStorage)", [LOCAL_STORAGE]),
        ("js:Object.entries(window.sessionStorage)", [SESSION_STORAGE]),
        ('js:localStorage.getItem("visit")', []),
        ('js:sessionStorage["visit"]', []),
        ("js:window.visitId", []),
    ],
)
def test_it_searches_raw_javascript_for_the_same_reads(source: str, expected: list[str]) -> None:
    assert wholesale(source) == expected


def test_the_refusal_says_what_is_sent_and_how_to_confirm() -> None:
    message = refusal([COOKIES])

    assert "forwards every cookie of the site (document.cookie)" in message
    assert "to your CRM" in message
    assert '"confirm_sensitive": true' in message
    assert 'cookie("name")' in message
