"""cProfile for a multi-threaded server, and a summary of where the time went.

The collector's database work runs in worker threads; a profiler enabled on the main thread
alone would never see it. Each thread gets its own profiler when it starts and the statistics
are merged at the end. Two clocks: ``cpu`` (per-thread CPU time: what burns the core, waits
excluded) and ``wall`` (waits included: fsync, round trips to PostgreSQL, lock queues).
cProfile slows pure-Python code (SQLAlchemy, pydantic's Python parts) more than C code, so
read the shares as an upper bound for Python layers.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any


def thread_cpu_clock() -> Callable[[], float]:
    """This thread's CPU time, readable from any thread. cProfile reads its clock again when
    the statistics are taken (on the main thread) to close calls still open in other threads,
    such as a worker waiting on its queue; time.thread_time would read the wrong thread."""
    return partial(time.clock_gettime, time.pthread_getcpuclockid(threading.get_ident()))


def wall_clock() -> Callable[[], float]:
    return time.perf_counter


CLOCKS = {"cpu": thread_cpu_clock, "wall": wall_clock}

# Functions that only wait (a worker idle on its queue, the event loop in epoll): their own
# time is not work. With the cpu clock they are near zero anyway.
WAITING = (
    "<method 'acquire' of '_thread.lock' objects>",
    "<method 'acquire' of '_thread.RLock' objects>",
    "<method 'poll' of 'select.epoll' objects>",
    "<built-in method time.sleep>",
)


class ThreadProfilers:
    def __init__(self, clock: str) -> None:
        self.clock = CLOCKS[clock]
        self.profilers: list[tuple[str, cProfile.Profile]] = []
        self.lock = threading.Lock()
        threading.setprofile(self.start_in_thread)

    def start_in_thread(self, *_: Any) -> None:
        profiler = cProfile.Profile(self.clock())
        with self.lock:
            self.profilers.append((threading.current_thread().name, profiler))
        profiler.enable()  # replaces this hook for the rest of the thread's life

    def save(self, path: Path) -> None:
        """Writes the merged profile to ``path``, and own time per thread and layer to
        ``path.threads.json`` (the threads of a pool count as one)."""
        threading.setprofile(None)
        with self.lock:
            profilers = list(self.profilers)
        groups: dict[str, pstats.Stats] = {}
        for name, profiler in profilers:
            group = thread_group(name)
            if group in groups:
                groups[group].add(profiler)
            else:
                groups[group] = pstats.Stats(profiler)
        threads = {
            group: {"seconds": stats.total_tt, "layers": by_layer(stats)}  # type: ignore[attr-defined]
            for group, stats in groups.items()
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        pstats.Stats(*(profiler for _, profiler in profilers)).dump_stats(path)
        threads_path(path).write_text(json.dumps(threads, indent=2) + "\n")


def thread_group(name: str) -> str:
    """'AnyIO worker thread 3' and 'ThreadPoolExecutor-0_1' count as their pool."""
    return name.rstrip("0123456789_ -") or name


def threads_path(path: Path) -> Path:
    return path.with_suffix(".threads.json")


def layer(filename: str, function: str) -> str:
    """The library or layer a profiled function belongs to."""
    if filename == "~":
        return builtin_layer(function)
    if filename.startswith("<"):  # generated code, or a frozen standard module
        return "sqlalchemy" if "sqlalchemy" in filename else "stdlib (frozen)"
    if "/site-packages/" in filename:
        package = filename.split("/site-packages/", 1)[1].split("/", 1)[0]
        return package.removesuffix(".py").split(".", 1)[0]
    if "/dialtrail/" in filename:
        return "dialtrail"
    if "/benchmarks/" in filename:
        return "benchmark harness"
    if filename.endswith("asyncio/runners.py"):
        # uvloop's C loop runs inside asyncio.run(): its own time is socket I/O, HTTP parsing
        # by httptools, and (on the wall clock) waiting in epoll.
        return "event loop (uvloop C code, idle on wall clock)"
    module = Path(filename).parent.name if Path(filename).name == "__init__.py" else ""
    return "stdlib " + (module or Path(filename).stem)


def builtin_layer(function: str) -> str:
    for marker, name in (
        ("sqlite3", "sqlite3 (C: SQL engine, I/O)"),
        ("psycopg", "psycopg (C)"),
        ("uvloop", "uvloop (C: event loop, sockets, HTTP parsing)"),
        ("pydantic_core", "pydantic_core (C)"),
        ("json", "json (C)"),
    ):
        if marker in function:
            return name
    if function in WAITING:
        return "waiting"
    return "other builtins"


def by_layer(stats: pstats.Stats) -> dict[str, float]:
    """Own ("tottime") seconds per layer, largest first."""
    totals: dict[str, float] = defaultdict(float)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, function), (_, _, own, _, _) in raw.items():
        totals[layer(filename, function)] += own
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def summary(path: Path, requests: int, top: int = 25) -> str:
    """Own time per thread and per layer, the costliest functions, and Dialtrail's functions
    by cumulative time; all in microseconds per request."""
    stats = pstats.Stats(str(path))
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    per_request = 1e6 / requests
    lines = [f"per request ({requests:,} requests), µs"]
    lines += thread_lines(path, per_request)
    lines += layer_lines(by_layer(stats), per_request)
    lines.append("costliest functions by own time (µs, calls per request):")
    ranked = sorted(raw.items(), key=lambda item: -item[1][2])
    working = [item for item in ranked if not (item[0][0] == "~" and item[0][2] in WAITING)]
    lines += [function_line(key, value, per_request) for key, value in working[:top]]
    lines.append("Dialtrail's functions by cumulative time (µs, calls per request):")
    ours = [item for item in raw.items() if "/dialtrail/" in item[0][0]]
    ours.sort(key=lambda item: -item[1][3])
    lines += [function_line(key, value, per_request) for key, value in ours[:top]]
    return "\n".join(lines)


def thread_lines(path: Path, per_request: float) -> list[str]:
    if not threads_path(path).exists():
        return []
    threads = json.loads(threads_path(path).read_text())
    lines = []
    for name, thread in sorted(threads.items(), key=lambda item: -item[1]["seconds"]):
        lines.append(f"thread {name}: {thread['seconds'] * per_request:,.1f} µs own time")
        lines += layer_lines(thread["layers"], per_request, heading=False, limit=8)
    return lines


def layer_lines(
    layers: dict[str, float], per_request: float, heading: bool = True, limit: int = 40
) -> list[str]:
    working = sum(seconds for name, seconds in layers.items() if name != "waiting") or 1.0
    lines = ["all threads, own time per layer (share of all but waiting):"] if heading else []
    rest = 0.0
    shown = 0
    for name, seconds in layers.items():
        if name != "waiting" and (seconds / working < 0.005 or shown == limit):
            rest += seconds
            continue
        shown += 1
        share = "" if name == "waiting" else f"{seconds / working:6.1%}"
        lines.append(f"  {name:<48} {seconds * per_request:9.1f} {share}")
    lines.append(f"  {'(smaller layers)':<48} {rest * per_request:9.1f} {rest / working:6.1%}")
    lines.append(f"  {'total (waiting excluded)':<48} {working * per_request:9.1f}")
    return lines


def function_line(key: Any, value: Any, per_request: float) -> str:
    filename, line, function = key
    _, calls, own, cumulative, _ = value
    return (
        f"  {own * per_request:8.1f} own {cumulative * per_request:9.1f} cum "
        f"{calls * per_request / 1e6:6.1f}x  {short(filename)}:{line}({function})"
    )


def short(filename: str) -> str:
    for marker in ("/site-packages/", "/src/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
