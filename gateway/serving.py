"""How ``gateway serve`` runs the app under uvicorn: the HTTP protocol and its settings.

Three choices differ from uvicorn's defaults, all for reasons measured on the gateway:

- **h11, not httptools**, even when httptools is installed: httptools hands the app only
  the path of a proxy-style absolute target (``POST http://elsewhere/v1/...``), which the
  gateway must see to refuse it (tests/test_hostile_input.py).
- **TCP_NODELAY on every connection.** With ``--workers N`` uvicorn binds the listening
  socket itself, without ``IPPROTO_TCP``, so asyncio does not switch Nagle's algorithm off
  on the connections it accepts. uvicorn writes a response's headers and its body
  separately; the body then waits for the client's delayed ACK of the headers: 40-50 ms
  on every request on a kept-alive connection (bench/latency.py measured 50 ms added with
  two workers against 8 ms with one).
- **One send per answer**: a response's head leaves with the body written after it
  (CoalescedWrites).
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
        super().connection_made(CoalescedWrites(transport))  # type: ignore[arg-type]


class CoalescedWrites:
    """A transport on which a response's head leaves with the write that follows it.

    uvicorn writes a response's status line and headers, then its body, as two writes:
    two TCP segments, and a client that wakes up twice, once for headers without a body.
    A head is held until the next write, or until the running event-loop step ends if no
    write follows in it, and leaves together with that write (bench/latency.py: about
    0.3 ms less added per answer on 2 cores).  The body is never held: the first event of a
    stream leaves as soon as it is written, even when the step goes on parsing the rest of
    a burst.  Everything else is the wrapped transport's.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head = b""

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._head:
            data, self._head = self._head + data, b""
            self._transport.write(data)
        elif data.startswith(b"HTTP/"):  # a response head (h11 writes it in one piece)
            self._head = data
            asyncio.get_running_loop().call_soon(self._flush)
        else:
            self._transport.write(data)

    def _flush(self) -> None:
        """Send a head that no write followed in its step (if the connection is still there)."""
        if self._head:
            data, self._head = self._head, b""
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._head = b""  # an abort drops unsent data, as the transport's own abort does
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def server_settings(host: str, port: int, log_level: str) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.run`` for the gateway (one worker or several)."""
    return {"host": host, "port": port, "log_level": log_level, "http": NoDelayH11Protocol}
