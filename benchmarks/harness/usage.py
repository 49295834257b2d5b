"""CPU time read from /proc (Linux): of one process, of a group of processes, of the machine.

On a shared two-core machine throughput alone can mislead; CPU seconds per request say whether
the server, the database or the load generator was the one that ran out of CPU.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads); 0 once it is gone."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


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


@dataclass
class Reading:
    wall: float
    client: float
    server: float
    database: float
    machine_busy: float
    machine_total: float


class CpuMeter:
    """Readings of the load generator (this process), the server process and, on PostgreSQL,
    the backends serving the scratch database (pass its name as ``database_fragment``)."""

    def __init__(self, server_pid: int, database_fragment: str | None) -> None:
        self.server_pid = server_pid
        self.database_fragment = database_fragment

    def read(self) -> Reading:
        database = 0.0
        if self.database_fragment:
            pids = processes_named(self.database_fragment)
            database = sum(process_cpu(pid) for pid in pids if pid != os.getpid())
        busy, total = machine_cpu()
        return Reading(
            wall=time.perf_counter(),
            client=time.process_time(),
            server=process_cpu(self.server_pid),
            database=database,
            machine_busy=busy,
            machine_total=total,
        )


def spent(before: Reading, after: Reading) -> dict[str, float]:
    """CPU used between two readings, in cores (1.0 = one core busy the whole time)."""
    wall = after.wall - before.wall
    machine_total = after.machine_total - before.machine_total
    return {
        "client_cores": (after.client - before.client) / wall,
        "server_cores": (after.server - before.server) / wall,
        "database_cores": max(0.0, after.database - before.database) / wall,
        "machine_busy": (after.machine_busy - before.machine_busy) / machine_total
        if machine_total
        else 0.0,
    }
