"""How ``gateway serve`` runs the app under uvicorn: the HTTP protocol and its settings.

Two choices differ from uvicorn's defaults, both for reasons measured on the gateway:

- **h11, not httptools**, even when httptools is installed: httptools hands the app only
  the path of a proxy-style absolute target (``POST http://elsewhere/v1/...``), which the
  gateway must see to refuse it (tests/test_hostile_input.py).
- **TCP_NODELAY on every connection.** With ``--workers N`` uvicorn binds the listening
  socket itself, without ``IPPROTO_TCP``, so asyncio does not switch Nagle's algorithm off
  on the connections it accepts. uvicorn writes a response's headers and its body
  separately; the body then waits for the client's delayed ACK of the headers: 40-50 ms
  on every request on a kept-alive connection (bench/latency.py measured 50 ms added with
  two workers against 8 ms with one).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with Nagle's algorithm off on every TCP connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def server_settings(host: str, port: int, log_level: str) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.run`` for the gateway (one worker or several)."""
    return {"host": host, "port": port, "log_level": log_level, "http": NoDelayH11Protocol}
