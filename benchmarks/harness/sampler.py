"""A sampling profiler for the server under test (``--profile sample``): every few
milliseconds a thread reads every other thread's Python stack (``sys._current_frames``) and
its CPU clock, and charges the CPU that thread spent since the last look to the stack it is
in now. Wall samples (the thread's stack, CPU or not) show where a thread waits (a lock, the
SQLite busy handler, fsync): that is what it is for. Its CPU by function is biased: the
sampler runs only when it gets the interpreter lock, which threads mostly give up in
``epoll`` or a commit, so the CPU spent before lands there (cProfile says where CPU goes).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

INTERVAL = 0.002
DEPTH = 60


class Sampler:
    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self.stopping = threading.Event()
        self.cpu: dict[str, dict[tuple[str, ...], float]] = defaultdict(lambda: defaultdict(float))
        self.wall: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
        self.clocks: dict[int, float] = {}
        self.thread = threading.Thread(target=self.run, name="sampler", daemon=True)
        self.collections: Counter[int] = Counter()  # garbage collections by generation
        self.collecting: dict[int, float] = defaultdict(float)  # and their seconds (wall)
        self.collection_started = 0.0

    def start(self) -> None:
        gc.callbacks.append(self.on_collection)
        self.thread.start()

    def on_collection(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.collection_started = time.perf_counter()
            return
        generation = info["generation"]
        self.collections[generation] += 1
        self.collecting[generation] += time.perf_counter() - self.collection_started

    def run(self) -> None:
        me = threading.get_ident()
        while not self.stopping.wait(self.interval):
            names = {thread.ident: thread.name for thread in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident != me:
                    self.take(ident, names.get(ident, str(ident)), frame)

    def take(self, ident: int, name: str, frame: FrameType) -> None:
        try:
            now = time.clock_gettime(time.pthread_getcpuclockid(ident))
        except OSError:  # the thread ended meanwhile
            return
        spent = max(0.0, now - self.clocks.get(ident, now))  # an ident reused: a new thread
        self.clocks[ident] = now
        group = name.rstrip("0123456789_ -") or name
        stack = stack_of(frame)
        self.cpu[group][stack] += spent
        self.wall[group][stack] += 1

    def save(self, path: Path) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        path.parent.mkdir(parents=True, exist_ok=True)
        gc.callbacks.remove(self.on_collection)
        collections = ", ".join(
            f"generation {generation}: {self.collections[generation]:,} in "
            f"{self.collecting[generation]:.3f} s"
            for generation in sorted(self.collections)
        )
        path.write_text(f"garbage collections: {collections}\n" + self.report() + threads_in_proc())

    def report(self, top: int = 30) -> str:
        lines = []
        for group, stacks in sorted(self.cpu.items(), key=lambda item: -sum(item[1].values())):
            total = sum(stacks.values())
            samples = sum(self.wall[group].values())
            lines.append(f"thread {group}: {total:.3f} s CPU, {samples:,} wall samples")
            lines.append("  CPU by function, inclusive (s, share of the thread's CPU):")
            for function, seconds in inclusive(stacks)[:top]:
                lines.append(f"    {seconds:8.3f} {seconds / max(total, 1e-9):6.1%}  {function}")
            lines.append("  wall samples by function, inclusive (where it waits or runs):")
            for function, count in inclusive(self.wall[group])[:top]:
                lines.append(f"    {count:8,.0f} {count / max(samples, 1):6.1%}  {function}")
            lines.append("  wall samples by innermost frame:")
            leaves: Counter[str] = Counter()
            for stack, count in self.wall[group].items():
                leaves[" < ".join(stack[-3:][::-1])] += count
            for leaf, count in leaves.most_common(12):
                lines.append(f"    {count:8,} {count / max(samples, 1):6.1%}  {leaf}")
        return "\n".join(lines) + "\n"


def stack_of(frame: FrameType | None) -> tuple[str, ...]:
    """Outermost first, as ``file:function`` with the file shortened."""
    names: list[str] = []
    while frame is not None and len(names) < DEPTH:
        code = frame.f_code
        names.append(f"{short(code.co_filename)}:{code.co_name}")
        frame = frame.f_back
    return tuple(reversed(names))


def inclusive(stacks: Mapping[tuple[str, ...], float]) -> list[tuple[str, float]]:
    """Each function's share counted once per stack it appears in, largest first."""
    found: dict[str, float] = defaultdict(float)
    for stack, seconds in stacks.items():
        for function in set(stack):
            found[function] += seconds
    return sorted(found.items(), key=lambda item: -item[1])


def short(filename: str) -> str:
    for marker in ("/site-packages/", "/src/", "/lib/python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def threads_in_proc() -> str:
    """User and system CPU and context switches of each thread, as Linux counts them: system
    time and switches are the cost of waking and handing the interpreter lock around."""
    lines = ["threads (/proc): user s, system s, voluntary / involuntary switches"]
    ticks = os.sysconf("SC_CLK_TCK")
    for task in sorted(Path("/proc/self/task").iterdir()):
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            status = dict(
                line.split(":\t", 1) for line in (task / "status").read_text().splitlines()
            )
        except OSError:
            continue
        user, system = int(fields[11]) / ticks, int(fields[12]) / ticks
        switches = f"{status['voluntary_ctxt_switches']} / {status['nonvoluntary_ctxt_switches']}"
        lines.append(f"  {name:<20} {user:8.2f} {system:8.2f}  {switches}")
    return "\n".join(lines) + "\n"
