"""One core per worker process (gateway/affinity.py): every thread of a worker on the same
CPU, a different CPU for each worker of ``serve --workers N``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from process_helpers import checkout_env

from gateway.affinity import choose_cpu

MULTI_CORE = pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                                reason="needs Linux and two CPUs")


def test_a_worker_takes_the_core_fewest_siblings_hold() -> None:
    assert choose_cpu({0, 1, 2, 3}, taken=[], current=2) == 2  # where the kernel put it
    assert choose_cpu({0, 1, 2, 3}, taken=[2], current=2) == 0  # taken: the lowest free one
    assert choose_cpu({0, 1, 2, 3}, taken=[0, 2], current=3) == 3
    assert choose_cpu({0, 1}, taken=[0, 1, 0], current=0) == 1  # more workers than cores: spread
    assert choose_cpu({4, 5}, taken=[], current=None) == 4  # only the allowed CPUs


PROBE = """
import json, os, sys, tempfile, threading
from gateway.affinity import pin_worker
if len(sys.argv) > 2:
    tempfile.gettempdir = lambda: sys.argv[2]  # where no lock file can be made
stop = threading.Event()
before = threading.Thread(target=stop.wait); before.start()   # a thread from before the pinning
cpu = pin_worker(sys.argv[1])
after = threading.Thread(target=stop.wait); after.start()     # and one started after it
masks = {task: sorted(os.sched_getaffinity(int(task))) for task in os.listdir("/proc/self/task")}
stop.set()
print(json.dumps({"cpu": cpu, "masks": list(masks.values()), "allowed": sorted(os.sched_getaffinity(0))}))
"""


def _probe(mode: str, *tempdir: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE, mode, *tempdir], env=checkout_env(),
                          capture_output=True, text=True, timeout=60, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


@MULTI_CORE
def test_auto_puts_every_thread_of_the_process_on_one_cpu() -> None:
    result = _probe("auto")
    assert isinstance(result["cpu"], int)
    assert result["masks"] == [[result["cpu"]]] * 3  # the main thread and both others


@MULTI_CORE
def test_off_leaves_the_threads_where_they_were() -> None:
    result = _probe("off")
    assert result["cpu"] is None
    assert all(mask == sorted(os.sched_getaffinity(0)) for mask in result["masks"])  # type: ignore[union-attr]


@MULTI_CORE
def test_without_a_writable_temporary_directory_the_worker_is_still_pinned() -> None:
    result = _probe("auto", "/nonexistent/gateway-test")
    assert isinstance(result["cpu"], int) and result["masks"] == [[result["cpu"]]] * 3
