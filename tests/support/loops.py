"""Running a coroutine from a test, in an event loop of its own.

asyncio.run() refuses to start inside a running loop, and once a browser test has started
Playwright's synchronous API, the main thread has one; so the coroutine runs in a thread of
its own, which has none, and its result or exception comes back here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_in_own_loop(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()
