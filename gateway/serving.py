"""How ``gateway serve`` runs the app under uvicorn: the HTTP protocol and its settings.

Three choices differ from uvicorn's defaults, all for reasons measured on the gateway:

- **The request target as it came.** The HTTP parser is httptools (llhttp, in C: paired
  runs gave 0.2 ms less added per request than h11, the pure-Python parser), but its URL
  parser hands the app only the path of a proxy-style absolute target
  (``POST http://elsewhere/v1/...`` becomes ``/v1/...``) and reads ``//elsewhere/v1/...`` as
  a host and a path.  The app gets the whole target as its path instead, as uvicorn's h11
  protocol gives it: no route matches a target that is not a plain path, so such a request
  is answered 404 in the wire format and never forwarded (tests/test_hostile_input.py).
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
from urllib.parse import unquote

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class GatewayHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol: Nagle's algorithm off, a response's head sent with its
    body, and the request target given to the app as it came."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(CoalescedWrites(transport))  # type: ignore[arg-type]

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if "path" in self.scope:  # a request cycle was set up (not a protocol upgrade)
            # The scope the request's task will read: that task has not run yet.
            scope = self.scope
            scope["path"], scope["raw_path"], scope["query_string"] = split_target(self.url, self.root_path)


def split_target(target: bytes, root_path: str = "") -> tuple[str, bytes, bytes]:
    """The ASGI ``path``, ``raw_path`` and ``query_string`` of a request target as sent,
    split exactly as uvicorn's h11 protocol splits it: ``http://elsewhere/x`` and
    ``//elsewhere/x`` stay what they are rather than becoming the path ``/x``."""
    raw_path, _, query = target.partition(b"?")
    path = raw_path.decode("ascii")
    return root_path + (unquote(path) if "%" in path else path), root_path.encode("ascii") + raw_path, query


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
        elif data.startswith(b"HTTP/"):  # a response head (uvicorn writes it in one piece)
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
    return {"host": host, "port": port, "log_level": log_level, "http": GatewayHttpProtocol}
