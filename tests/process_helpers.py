"""Helpers for tests that run `gateway serve` as a separate process, as an operator does."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def checkout_env(**extra: str) -> dict[str, str]:
    """This environment plus ``extra``, with the checkout importable (the CLI runs as ``-m gateway.cli``)."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, **extra, "PYTHONPATH": path}


def wait_ready(process: subprocess.Popen[bytes], base: str, deadline: float) -> bool:
    """Poll ``/healthz`` until it answers 200 (True), the process exits or ``deadline`` passes.

    Start-up loads the detection models, so this takes seconds, not milliseconds.
    """
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    return False
