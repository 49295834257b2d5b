"""What redaction adds to a page view on the collector's hot path (docs/privacy.md,
"Redaction"): ``payloads.redacted`` on the events the collector benchmark sends (a landing page
with UTM tags, a referrer, a title and three entity values), next to ``payloads.parse`` of the
same body, the validation every event already pays, in the same run.

    .venv/bin/python benchmarks/redaction.py [--repeat 20000]

Prints µs per event for each case, the median of five rounds, and the ratio to parsing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from dialtrail.collector.payloads import PageViewEvent, PingEvent, parse, redacted
from dialtrail.privacy.redaction import Policy, project_key

IDS = {"visitor": "v" * 22, "session": "s" * 22, "page_view": "p" * 22}
VALUES = {"visit_id": "a1b2c3d4e5", "cart": "3 items, 129.90 EUR", "user": "guest"}
CLEAN: dict[str, Any] = {
    **IDS,
    "url": "https://shop.example.com/sofas/corner-sofa-3?utm_source=google&utm_medium=cpc"
    "&utm_campaign=winter-2026&gclid=Cj0KCQiA2eKtBhDcARIsAEGTG41x",
    "referrer": "https://www.google.com/",
    "title": "Corner sofa, 3 seats — Shop",
    "values": VALUES,
    "ga": "GA1.1.1234567890.1700000000",
}
LEAKY = {
    **CLEAN,
    "url": CLEAN["url"] + "&email=ann%40example.org&phone=%2B44%2020%207946%200958",
    "title": "Thank you, ann@example.org",
    "values": {**VALUES, "user": "ann@example.org, +44 20 7946 0958"},
}
PING: dict[str, Any] = {**IDS, "values": VALUES}
POLICY = Policy(True, {}, project_key(b"benchmark", 1))


def per_call(function: Callable[[], object], repeat: int) -> float:
    """µs per call: the median of five rounds of ``repeat`` calls."""
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            function()
        rounds.append((time.perf_counter() - start) / repeat * 1e6)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20000)
    repeat = parser.parse_args().repeat
    cases: list[tuple[str, type[PageViewEvent | PingEvent], dict[str, Any]]] = [
        ("page view", PageViewEvent, CLEAN),
        ("leaky page view", PageViewEvent, LEAKY),
        ("ping", PingEvent, PING),
    ]
    for name, model, body in cases:
        raw = json.dumps(body).encode()
        event = parse(model, raw)
        assert isinstance(event, PageViewEvent | PingEvent)
        parsing = per_call(lambda: parse(model, raw), repeat)  # noqa: B023
        redacting = per_call(lambda: redacted(event, POLICY), repeat)  # noqa: B023
        print(
            f"{name:16} redaction {redacting:6.2f} µs   parse {parsing:6.2f} µs   "
            f"ratio {redacting / parsing:.2f}"
        )


if __name__ == "__main__":
    main()
