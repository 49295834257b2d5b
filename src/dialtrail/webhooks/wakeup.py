"""Waking this process's delivery worker when a commit added deliveries.

Without it a new delivery would wait for the worker's next poll; with it the first attempt
starts right after the commit (docs/design.md §8: p99 ≤ 250 ms from a call's end to the first
attempt). A worker in another process still finds the delivery at its next poll.
"""

from __future__ import annotations

import asyncio
import threading


class Wakeup:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def register(self, event: asyncio.Event) -> None:
        with self.lock:
            self.waiters.append((asyncio.get_running_loop(), event))

    def unregister(self, event: asyncio.Event) -> None:
        with self.lock:
            self.waiters = [(loop, known) for loop, known in self.waiters if known is not event]

    def notify(self) -> None:
        """Safe from any thread (commits happen in worker threads)."""
        with self.lock:
            waiters = list(self.waiters)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)


WAKEUP = Wakeup()
