"""How `gateway serve` writes answers: a response's head and the body of its step leave in one send."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fakeprovider import free_port

from gateway.serving import CoalescedWrites, GatewayHttpProtocol, split_target

REQUEST = b"GET / HTTP/1.1\r\nHost: gateway\r\n\r\n"
BODY = b'{"ok": true}'


class RecordingTransport:
    """The part of an asyncio transport that CoalescedWrites uses, recording each send."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.sent.append(data)

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def test_a_head_leaves_with_the_next_write_or_at_the_end_of_its_step() -> None:
    async def scenario() -> list[list[bytes]]:
        transport = RecordingTransport()
        writes = CoalescedWrites(transport)  # type: ignore[arg-type]
        writes.write(b"HTTP/1.1 200 OK\r\n\r\n")
        writes.write(b"")
        seen = [list(transport.sent)]  # the head waits
        writes.write(BODY)
        seen.append(list(transport.sent))  # and leaves with the body, without waiting for the step's end
        writes.write(b"next event")  # no head waits: it leaves at once
        seen.append(list(transport.sent))
        writes.write(b"HTTP/1.1 200 OK\r\n\r\n")  # the next answer's head, alone in its step
        await asyncio.sleep(0)  # the step ends
        seen.append(list(transport.sent))
        await asyncio.sleep(0)  # the flush scheduled for the first head found nothing left to send
        seen.append(list(transport.sent))
        return seen

    waiting, with_body, next_event, head_alone, later = asyncio.run(scenario())
    answer = b"HTTP/1.1 200 OK\r\n\r\n" + BODY
    assert waiting == []
    assert with_body == [answer]
    assert next_event == [answer, b"next event"]
    assert head_alone == [answer, b"next event", b"HTTP/1.1 200 OK\r\n\r\n"]
    assert later == head_alone


def test_close_sends_first_abort_drops_and_the_rest_is_the_transports() -> None:
    async def scenario() -> tuple[RecordingTransport, RecordingTransport, Any]:
        closing, aborting = RecordingTransport(), RecordingTransport()
        for transport in (closing, aborting):
            writes = CoalescedWrites(transport)  # type: ignore[arg-type]
            writes.write(b"HTTP/1.1 200 OK\r\n\r\nlast words")
            if transport is closing:
                writes.close()
            else:
                writes.abort()
        await asyncio.sleep(0)
        return closing, aborting, writes.get_extra_info("peername")

    closing, aborting, info = asyncio.run(scenario())
    assert closing.sent == [b"HTTP/1.1 200 OK\r\n\r\nlast words"] and closing.closed
    assert aborting.sent == [] and aborting.aborted
    assert info == "info:peername"


async def answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An app that answers as Starlette's Response does: headers and body in one step."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(BODY))]})
    await send({"type": "http.response.body", "body": BODY})


@pytest.fixture
def server() -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(answer, host="127.0.0.1", port=port, http=GatewayHttpProtocol,
                            log_level="warning", lifespan="off")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield port
    instance.should_exit = True
    thread.join(timeout=10)


def test_an_answer_arrives_in_one_segment(server: int) -> None:
    """The client's first read holds the whole answer, every time (with two sends it often
    holds the headers only, and the client wakes up again for the body)."""
    with socket.create_connection(("127.0.0.1", server)) as client:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(30):
            client.sendall(REQUEST)
            first = client.recv(65536)
            assert first.endswith(b"\r\n\r\n" + BODY), first


@pytest.mark.parametrize(("target", "path", "query"), [
    (b"/v1/chat/completions", "/v1/chat/completions", b""),
    (b"/v1/me/usage?limit=5", "/v1/me/usage", b"limit=5"),
    (b"/v1/models%2F..%2Fadmin?x=%20", "/v1/models/../admin", b"x=%20"),
    (b"http://api.openai.com/v1/chat/completions", "http://api.openai.com/v1/chat/completions", b""),
    (b"//api.openai.com/v1/chat/completions?a", "//api.openai.com/v1/chat/completions", b"a"),
])
def test_the_app_gets_the_request_target_as_it_came(target: bytes, path: str, query: bytes) -> None:
    """The split uvicorn's h11 protocol makes: a target that is not a plain path stays one."""
    assert split_target(target) == (path, target.partition(b"?")[0], query)
    assert split_target(target, "/gw")[0] == "/gw" + path
