"""How a streamed answer leaves the gateway: a burst of events in few writes, paced events
one by one, and nothing held longer than the burst window (gateway/relay.py)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx
import pytest
from fakeprovider import ServerThread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway import relay
from gateway.relay import BURST_WINDOW_S, OPENING_WRITES, BurstStreamingResponse
from gateway.serving import GatewayHttpProtocol

EVENTS = [f"data: {{\"n\": {n}}}\n\n".encode() for n in range(60)]


async def events(pause_s: float, count: int) -> AsyncIterator[bytes]:
    for event in EVENTS[:count]:
        yield event
        await anyio.sleep(pause_s)


async def parsed_burst(count: int, parse_s: float) -> AsyncIterator[bytes]:
    """A burst already received: every event after the first costs ``parse_s`` of work
    (blocking, as parsing is) and none waits for the network."""
    yield EVENTS[0]
    for event in EVENTS[1:count]:
        time.sleep(parse_s)
        yield event


async def endpoint(request: Request) -> Response:
    count = int(request.query_params["count"])
    if "parse" in request.query_params:
        body = parsed_burst(count, float(request.query_params["parse"]))
    else:
        body = events(float(request.query_params["pause"]), count)
    return BurstStreamingResponse(body, media_type="text/event-stream")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The relay behind the gateway's own HTTP protocol (gateway.serving)."""
    with ServerThread(Starlette(routes=[Route("/stream", endpoint)]), http=GatewayHttpProtocol) as running:
        yield running.url


def writes(url: str, pause_s: float, count: int, **params: float) -> list[tuple[float, bytes]]:
    """Each HTTP chunk the client got (one per write of the server), with its arrival time.

    The client is made before the clock starts: making one loads a CA bundle (20-30 ms)."""
    with httpx.Client() as client:
        started = time.perf_counter()
        query = {"pause": pause_s, "count": count, **params}
        with client.stream("GET", f"{url}/stream", params=query) as answer:
            return [(time.perf_counter() - started, chunk) for chunk in answer.iter_raw()]


def test_the_first_event_leaves_before_the_rest_of_its_burst_is_parsed(server: str) -> None:
    """A provider's first events often arrive with its headers, in one read with many
    more: the first must not wait while the rest are parsed (20 x 5 ms here)."""
    got = writes(server, 0, 20, parse=0.005)
    assert b"".join(chunk for _, chunk in got) == b"".join(EVENTS[:20])
    first_at, first = got[0]
    assert first == EVENTS[0]
    assert first_at < 0.03 < 0.09 < got[-1][0], [round(t, 3) for t, _ in got]


def test_a_burst_leaves_in_a_few_writes(server: str) -> None:
    """60 events as fast as the provider side can make them (each after an event-loop step):
    one by one they would be 60 writes.  The opening writes leave at once (the first holds
    the first event alone), the rest of the burst in one or two."""
    got = writes(server, 0, 60)
    assert b"".join(chunk for _, chunk in got) == b"".join(EVENTS)
    assert got[0][1] == EVENTS[0]
    assert len(got) <= OPENING_WRITES + 3, [len(chunk) for _, chunk in got]


def test_paced_events_leave_one_by_one_without_waiting(server: str) -> None:
    """Events 30 ms apart (a real provider's pace), past the opening writes too: each is its
    own write, and none waits for the next: each arrives about 30 ms after the one before."""
    count = OPENING_WRITES + 4
    got = writes(server, 0.03, count)
    assert [chunk for _, chunk in got] == EVENTS[:count]
    gaps = [later - earlier for (earlier, _), (later, _) in zip(got, got[1:], strict=False)]
    assert all(0.025 < gap < 0.03 + BURST_WINDOW_S + 0.02 for gap in gaps), gaps


def test_the_answer_ends_as_soon_as_its_last_burst_left(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a long window (0.5 s here), a burst longer than the opening writes waits one
    window; the answer then ends with its last burst, without waiting another."""
    monkeypatch.setattr(relay, "BURST_WINDOW_S", 0.5)
    with httpx.Client() as client:
        started = time.perf_counter()
        with client.stream("GET", f"{server}/stream", params={"pause": 0, "count": 60}) as answer:
            for _ in answer.iter_raw():
                pass
    assert 0.5 <= time.perf_counter() - started < 0.9
