"""GET /metrics: delivery outcomes counted, the queue read from the database."""

from __future__ import annotations

import re

from tests.support.hooks import Hooks
from tests.support.receiver import Answer


def metric(text: str, name: str, default: float | None = None) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    if found is None and default is not None:
        return default  # a labelled counter appears once it was first counted
    assert found, f"{name} missing from /metrics"
    return float(found.group(1))


def test_metrics_show_the_queue_and_the_outcomes(hooks: Hooks) -> None:
    hooks.webhook()
    hooks.call("CA1")
    hooks.call("CA2")
    before = hooks.world.anonymous.get("/metrics").text
    hooks.receiver.answer(Answer(500))
    hooks.deliver()
    after = hooks.world.anonymous.get("/metrics")

    assert after.headers["content-type"].startswith("text/plain")
    assert metric(before, "dialtrail_webhook_queue_depth") == 2
    assert metric(after.text, "dialtrail_webhook_queue_depth") == 1  # one delivered, one retrying
    assert metric(after.text, "dialtrail_webhook_oldest_pending_seconds") >= 0
    delivered = 'dialtrail_webhook_attempts_total{outcome="delivered"}'
    retried = 'dialtrail_webhook_attempts_total{outcome="retry"}'
    # Counters live in this process (the worker ran here) and count other tests' attempts too.
    assert metric(after.text, delivered) == metric(before, delivered, 0) + 1
    assert metric(after.text, retried) == metric(before, retried, 0) + 1
    assert "dialtrail_webhook_attempt_seconds_bucket" in after.text
