"""One core per worker process: every thread of a gateway worker runs on the same CPU.

Python runs one thread of a process at a time (the GIL).  A request passes between the
gateway's threads: the event loop parses it, a worker thread inspects it, the loop
forwards it, the log writer records it.  Left to the kernel, these threads sit on
different cores, and every hand-over is a cross-core wake-up, with the GIL and the
request's data moving between the cores' caches.  Kept on one core, a worker loses
nothing (its threads never ran Python in parallel anyway), and ``--workers N`` still
uses N cores: each worker gets a core of its own.  Measured with bench/latency.py on
the 2-core development VM, 1 worker, paired runs: 1 ms less added per request at
concurrency 1, and at concurrency 8 a third less CPU per request and 45% more requests
per second.

Linux only (``sched_setaffinity``); elsewhere, on a single allowed CPU and with
``gateway serve --cpu-affinity off`` nothing changes.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

MODES = ("auto", "off")

log = logging.getLogger(__name__)


def choose_cpu(allowed: Iterable[int], taken: Iterable[int], current: int | None) -> int:
    """The CPU for a new worker: the allowed one the fewest sibling workers hold; among
    those, the one the process runs on now (where the kernel placed it), else the lowest."""
    held = Counter(taken)
    cpus = sorted(allowed)
    fewest = min(held[cpu] for cpu in cpus)
    free = [cpu for cpu in cpus if held[cpu] == fewest]
    return current if current in free else free[0]


def pin_worker(mode: str) -> int | None:
    """Pin every thread of this process to one CPU (``mode`` "auto"); the CPU, or None
    when nothing was pinned (mode "off", not Linux, a single allowed CPU)."""
    if mode == "off" or not hasattr(os, "sched_setaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    if len(allowed) < 2:
        return None
    with _siblings_lock():  # workers starting together must not pick the same core
        cpu = choose_cpu(allowed, _sibling_cpus(), _current_cpu())
        _pin_threads(cpu)
    log.info("worker %d: all threads on CPU %d", os.getpid(), cpu)
    return cpu


@contextlib.contextmanager
def _siblings_lock() -> Iterator[None]:
    """A lock the workers of one ``serve`` share (a file named after their parent); none
    where no file can be made (a read-only file system): then two workers starting at the
    same moment may, rarely, share a core."""
    path = Path(tempfile.gettempdir()) / f"gateway-affinity-{os.getppid()}.lock"
    try:
        lock = path.open("a")
    except OSError:
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sibling_cpus() -> list[int]:
    """The CPUs of the other children of this process's parent that are pinned to one CPU
    (the other workers of ``serve --workers N``; unpinned processes hold none)."""
    cpus: list[int] = []
    for pid in children(os.getppid()):
        if pid == os.getpid():
            continue
        with contextlib.suppress(OSError):  # gone meanwhile
            mask = os.sched_getaffinity(pid)
            if len(mask) == 1:
                cpus.extend(mask)
    return cpus


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a scan of /proc/*/stat: /proc/PID/task/*/children
    needs a kernel option that not every kernel has)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):  # gone meanwhile
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _current_cpu() -> int | None:
    """The CPU this process last ran on (field 39 of /proc/self/stat)."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[36])
    except (OSError, IndexError, ValueError):
        return None


def _pin_threads(cpu: int) -> None:
    """This thread first (threads started later inherit its mask), then every other."""
    os.sched_setaffinity(0, {cpu})
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            os.sched_setaffinity(int(task), {cpu})
