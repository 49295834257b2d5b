"""Functions a lower layer calls and a higher layer provides, wired once at start-up.

Layers only point down (ARCHITECTURE.md, "Layers"): ``calls`` may not import ``webhooks``, yet a
recorded call event must write its webhook deliveries in the same transaction. So ``calls``
declares a ``Hooks`` and ``wiring.py`` (the composition root, run by the app, the CLI and the
tests) adds ``webhooks.outbox.enqueue`` to it. Iterating hooks that were never wired raises
instead of quietly doing nothing: a process that forgot to wire would otherwise record calls
and never deliver them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

Function = TypeVar("Function", bound=Callable[..., Any])


class NotWired(RuntimeError):
    pass


class Hooks(Generic[Function]):
    def __init__(self, purpose: str) -> None:
        self.purpose = purpose
        self.functions: list[Function] = []
        self.wired = False

    def wire(self, *functions: Function) -> None:
        """Replaces what was wired before: wiring twice changes nothing."""
        self.functions = list(functions)
        self.wired = True

    def __iter__(self) -> Iterator[Function]:
        if not self.wired:
            raise NotWired(f"{self.purpose}: not wired; dialtrail.wiring.wire() runs at start-up")
        return iter(list(self.functions))
