"""How a provider's answer is read (gateway.upstream.Answer), against a raw HTTP server on
loopback that writes exactly the bytes each test needs: a burst of events in one write, a
body cut off in the middle, a reader that goes away."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from gateway.config import Provider
from gateway.upstream import Answer, Upstream, UpstreamError
from gateway.wire.openai_chat import OpenAIChat

EVENTS = [f"data: {{\"n\": {n}}}\n\n".encode() for n in range(12)]
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)


Write = Callable[[asyncio.StreamWriter], Awaitable[None]]


def through_upstream(write: Write, read: Callable[[Answer], Awaitable[Any]]) -> tuple[Any, str]:
    """Serve one answer written by ``write``; return what ``read`` made of it and whether the
    connection was "open" or "closed" by the gateway once it had closed the answer."""
    closed = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
        length = int(head.split("content-length:")[1].split("\r\n")[0])
        await reader.readexactly(length)  # the request's body
        await write(writer)
        if await reader.read(100) == b"":
            closed.set()
        writer.close()

    async def run() -> tuple[Any, str]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        provider = Provider(name="raw", api="openai", base_url=f"http://127.0.0.1:{port}/v1",
                            api_key_env="FAKE_PROVIDER_KEY", models=["echo-1"], timeout_s=5)
        upstream = Upstream()
        try:
            answer = await upstream.send(provider, OpenAIChat(), {"model": "echo-1"}, {})
            try:
                result = await read(answer)
            finally:
                await answer.close()
            with anyio.move_on_after(0.3):  # before the pool itself is closed
                await closed.wait()
            return result, "closed" if closed.is_set() else "open"
        finally:
            await upstream.aclose()
            server.close()

    return anyio.run(run)


async def pieces(answer: Answer, one_by_one: int = 0) -> list[bytes]:
    return [piece async for piece in answer.chunks(one_by_one)]


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-raw")


async def burst(writer: asyncio.StreamWriter) -> None:
    """The head and every event in one write, as a fast provider sends a short answer."""
    writer.write(HEAD + chunked(*EVENTS) + b"0\r\n\r\n")
    await writer.drain()


def test_the_opening_events_come_one_by_one_and_the_rest_of_the_burst_in_one_piece() -> None:
    got, _ = through_upstream(burst, lambda answer: pieces(answer, one_by_one=3))
    assert got[:3] == EVENTS[:3]
    assert b"".join(got[3:]) == b"".join(EVENTS[3:])
    assert len(got) == 4, [len(piece) for piece in got]


def test_without_an_opening_a_burst_is_one_piece() -> None:
    got, _ = through_upstream(burst, pieces)
    assert got == [b"".join(EVENTS)]


def test_an_answer_read_to_its_end_keeps_its_connection() -> None:
    got, connection = through_upstream(burst, Answer.read)
    assert got == b"".join(EVENTS)
    assert connection == "open"  # back in the pool for the next request


def test_an_answer_closed_before_its_end_closes_its_connection() -> None:
    async def endless(writer: asyncio.StreamWriter) -> None:
        writer.write(HEAD + chunked(*EVENTS[:2]))
        await writer.drain()

    async def first_piece(answer: Answer) -> bytes:
        async for piece in answer.chunks(one_by_one=1):
            return piece
        return b""

    got, connection = through_upstream(endless, first_piece)
    assert got == EVENTS[0]
    assert connection == "closed"  # the provider sees the gateway go


@pytest.mark.parametrize("one_by_one", [0, 3])
def test_a_body_cut_off_in_the_middle_is_an_upstream_error(one_by_one: int) -> None:
    async def cut(writer: asyncio.StreamWriter) -> None:
        writer.write(HEAD + chunked(*EVENTS[:5]) + b"40\r\ndata: {\"n\"")
        await writer.drain()
        writer.transport.abort()

    with pytest.raises(UpstreamError):
        through_upstream(cut, lambda answer: pieces(answer, one_by_one))
    with pytest.raises(UpstreamError):
        through_upstream(cut, Answer.read)
