"""Hooks a lower layer calls and wiring.py fills: unwired, they fail loudly."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dialtrail.calls.listeners import CALL_EVENT_LISTENERS
from dialtrail.hooks import Hooks, NotWired
from dialtrail.webhooks.outbox import enqueue
from dialtrail.wiring import wire


def test_unwired_hooks_raise_naming_their_purpose() -> None:
    hooks: Hooks[Callable[[], None]] = Hooks("what follows a test")

    with pytest.raises(NotWired, match="what follows a test: not wired"):
        list(hooks)


def test_wiring_twice_keeps_one_of_each() -> None:
    wire()
    wire()

    assert list(CALL_EVENT_LISTENERS) == [enqueue]
