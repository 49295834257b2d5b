"""CPU time read from /proc (Linux): of one process, of a group of processes, of the machine.

On a shared two-core machine throughput alone can mislead; CPU seconds per request say whether
the server, the database or the load generator was the one that ran out of CPU.
"""

from __future__ import annotations

import os
import time
from dataclasses import astuple, dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int, thread: int | None = None) -> float:
    """User + system CPU seconds of one process (all its threads), or of one of its threads;
    0 once it is gone."""
    folder = PROC / str(pid) if thread is None else PROC / str(pid) / "task" / str(thread)
    path = folder / "stat"
    try:
        fields = path.read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def event_loop_cpu(pid: int) -> float:
    """CPU seconds of a process's main thread: in the server under test, the event loop (HTTP,
    framework, validation). The rest of the process's CPU went to other threads (the worker
    pool or writer thread, where the database work runs)."""
    return process_cpu(pid, pid)


def processes_named(fragment: str) -> list[int]:
    """Processes whose command line contains ``fragment`` (PostgreSQL names each backend after
    its database: ``postgres: USER DATABASE HOST(PORT) STATE``)."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if fragment.encode() in command:
            found.append(int(entry.name))
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(value) for value in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / TICKS, total / TICKS


@dataclass(frozen=True)
class Reading:
    """Seconds: wall clock, and CPU of the load generator, the server, the database backends
    and the whole machine. Readings subtract (an interval) and add (several intervals)."""

    wall: float = 0.0
    client: float = 0.0
    server: float = 0.0
    server_event_loop: float = 0.0
    database: float = 0.0
    deriver: float = 0.0  # a deriver process apart from the server, if any
    machine_busy: float = 0.0
    machine_total: float = 0.0

    def __sub__(self, other: Reading) -> Reading:
        return Reading(*(a - b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def __add__(self, other: Reading) -> Reading:
        return Reading(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


class CpuMeter:
    """Reads the load generator (this process), the server process and, on PostgreSQL, the
    backends serving the scratch database (``database_marker`` is `` NAME `` as it appears in
    their process titles)."""

    def __init__(
        self,
        server_pid: int,
        database_marker: str | None,
        deriver_pid: int | None = None,
        other_pids: frozenset[int] = frozenset(),
    ) -> None:
        """``other_pids``: backends of the scratch database that are not the server's (the
        benchmark's own connection)."""
        self.server_pid = server_pid
        self.database_marker = database_marker
        self.deriver_pid = deriver_pid
        self.other_pids = other_pids

    def read(self) -> Reading:
        busy, total = machine_cpu()
        return Reading(
            wall=time.perf_counter(),
            client=time.process_time(),
            server=process_cpu(self.server_pid),
            server_event_loop=event_loop_cpu(self.server_pid),
            database=self.database_cpu(),
            deriver=process_cpu(self.deriver_pid) if self.deriver_pid else 0.0,
            machine_busy=busy,
            machine_total=total,
        )

    def database_cpu(self) -> float:
        if not self.database_marker:
            return 0.0
        pids = processes_named(self.database_marker)
        ours = {os.getpid(), self.server_pid, self.deriver_pid, *self.other_pids}
        return sum(process_cpu(pid) for pid in pids if pid not in ours)


def cores(used: Reading) -> dict[str, float]:
    """CPU used over an interval, in cores (1.0: one core busy the whole time)."""
    wall = used.wall or 1.0
    return {
        "client_cores": used.client / wall,
        "server_cores": used.server / wall,
        "server_event_loop_cores": used.server_event_loop / wall,
        "database_cores": max(0.0, used.database) / wall,
        "deriver_cores": used.deriver / wall,
        "machine_busy": used.machine_busy / used.machine_total if used.machine_total else 0.0,
    }


@dataclass(frozen=True)
class SenderCpu:
    """CPU seconds of a sender (of webhooks: a worker, a server, or the benchmark itself),
    its receiver, the PostgreSQL backends of the scratch database and the machine."""

    wall: float
    sender: float
    receiver: float
    database: float
    machine_busy: float
    machine_total: float

    def minus(self, earlier: SenderCpu) -> dict[str, float]:
        wall = self.wall - earlier.wall or 1e-9
        busy = self.machine_busy - earlier.machine_busy
        total = self.machine_total - earlier.machine_total
        return {
            "seconds": wall,
            "sender_cpu": self.sender - earlier.sender,
            "receiver_cpu": self.receiver - earlier.receiver,
            "database_cpu": max(0.0, self.database - earlier.database),
            "machine_busy": busy / total if total else 0.0,
        }


class SenderMeter:
    def __init__(self, sender: int, receiver: int, marker: str | None) -> None:
        self.sender = sender
        self.receiver = receiver
        self.marker = marker  # " NAME " in the titles of PostgreSQL's backends

    def read(self) -> SenderCpu:
        busy, total = machine_cpu()
        return SenderCpu(
            time.perf_counter(),
            process_cpu(self.sender),
            process_cpu(self.receiver),
            self.database(),
            busy,
            total,
        )

    def database(self) -> float:
        if not self.marker:
            return 0.0
        ours = {os.getpid(), self.sender, self.receiver}
        return sum(process_cpu(pid) for pid in processes_named(self.marker) if pid not in ours)
