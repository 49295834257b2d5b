"""The reference project of docs/design.md §8's script budgets (6 KB gzipped, 2 ms per page view,
with
20 entities): 10 simple entities and 10 expressions (one of each kind of read) and two site
numbers, rendered exactly as GET /s/{key}.js serves it. The size test
(tests/tracker/test_script_size.py) and the benchmark (benchmarks/script.py) both use it, so
the figure a test guards is the figure the benchmark reports."""

from __future__ import annotations

from typing import Any

from dialtrail.tracker.serve import ServedScript, config_text, render, script_config

# A real collector address: a public key is 16 characters, and every byte counts in the size.
ENDPOINT = "https://calls.example.com/c/3HZvN7AezYZaxluc"
SITE_NUMBERS = ["+380441112233", "+12125550123"]
SIMPLE_VALUES = [f"shop.visit.v{n}" for n in range(10)]
EXPRESSION_VALUES = [
    'cookie("visit") || query("visit")',
    'datalayer("userId") || storage("uid")',
    'match(text("#order"), "(\\\\d+)")',
    'attr("#cart", "data-id")',
    'meta("visit-id")',
    'session_storage("s") || "none"',
    'match(cookie("_ga"), "GA1\\\\.\\\\d\\\\.(.+)")',
    "dataLayer[0].userId || shop.visit.v1",
    'app["visit-id"]',
    'query("utm_campaign") || query("gclid")',
]
ENTITY_COUNT = len(SIMPLE_VALUES) + len(EXPRESSION_VALUES)

# What a page sets up (in <head>, before the script) so that every entity above reads a value;
# the body needs `#order` and `#cart` (PAGE_BODY_PARTS).
PAGE_STATE = """<meta name="visit-id" content="m-1"><script>
window.shop = {visit: {}}; for (var i = 0; i < 10; i++) shop.visit["v" + i] = "value-" + i;
window.dataLayer = [{userId: "u-1"}]; window.app = {"visit-id": "a-1"};
document.cookie = "visit=c-1; path=/"; document.cookie = "_ga=GA1.1.123.456; path=/";
</script>"""
PAGE_BODY_PARTS = '<p id="order">Order 12345</p><div id="cart" data-id="9"></div>'


def entities(count: int = ENTITY_COUNT) -> list[dict[str, str]]:
    """The first ``count`` entities: the simple ones first, as the server would list them."""
    every = [
        {"name": f"s{n}", "type": "simple", "value": value} for n, value in enumerate(SIMPLE_VALUES)
    ] + [
        {"name": f"e{n}", "type": "expression", "value": value}
        for n, value in enumerate(EXPRESSION_VALUES)
    ]
    return every[:count]


def configuration(
    endpoint: str = ENDPOINT,
    entity_count: int = ENTITY_COUNT,
    consent: str = "not_required",
    cookies: dict[str, str] | None = None,
) -> dict[str, Any]:
    return script_config(endpoint, entities(entity_count), SITE_NUMBERS, False, consent, cookies)


def served(
    endpoint: str = ENDPOINT,
    entity_count: int = ENTITY_COUNT,
    consent: str = "not_required",
    cookies: dict[str, str] | None = None,
) -> ServedScript:
    """The script as GET /s/{key}.js sends it: minified, configuration injected, gzipped."""
    return render(config_text(configuration(endpoint, entity_count, consent, cookies)))
