"""Process facts for the benchmarks, read from /proc (Linux): memory, CPU time, children."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def status_kib(pid: int, field: str) -> int:
    """A ``kB`` line of /proc/<pid>/status: VmRSS (resident now) or VmHWM (peak resident)."""
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def mib(kib: int) -> float:
    return kib / 1024


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of a process, in clock ticks."""
    fields = (PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])


def cmdline(pid: int) -> str:
    return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def children(pid: int) -> list[int]:
    """Every descendant of a process (a scan of /proc: no dependency on CONFIG_PROC_CHILDREN)."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # the process ended while we looked
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found.extend(kids)
        frontier.extend(kids)
    return found


def cpu_count() -> int:
    return len(os.sched_getaffinity(0))
