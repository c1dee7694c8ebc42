"""A client that goes away in the middle of a stream: the gateway closes the provider's stream too.

Otherwise every abandoned chat would keep a provider connection (and its tokens)
running until the model finished, and a client could pile those up on purpose.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest
from conftest import KEY, Gateway

PROMPT = "x" * 200  # echoed one character per event, 20 ms apart: a 4-second stream
MESSAGES = [{"role": "user", "content": PROMPT}]
BODIES = {
    "/v1/chat/completions": {"model": "echo-1", "stream": True, "messages": MESSAGES},
    "/v1/responses": {"model": "echo-1", "stream": True, "input": PROMPT},
    "/v1/messages": {"model": "echo-claude", "max_tokens": 5, "stream": True, "messages": MESSAGES},
}


def wait_for(condition: Callable[[], bool], timeout_s: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("path", list(BODIES))
def test_client_disconnect_closes_the_upstream_stream(gateway: Gateway, path: str) -> None:
    gateway.provider.script.event_delay_s = 0.02
    started = time.monotonic()
    with httpx.Client(timeout=10) as client, client.stream(
        "POST", gateway.url + path, content=json.dumps(BODIES[path]),
        headers={"authorization": f"Bearer {KEY}", "content-type": "application/json"},
    ) as answer:
        assert answer.status_code == 200
        received = next(answer.iter_bytes())  # the stream has started ...
        assert received
    # ... and the client has gone away: the provider's stream must end long before its 4 s.
    assert wait_for(lambda: gateway.provider.stream_ends == ["closed"]), gateway.provider.stream_ends
    assert time.monotonic() - started < 3.0
    assert wait_for(lambda: len(gateway.store.records) == 1)
    assert gateway.store.records[0].decision == "forwarded" and gateway.store.records[0].stream


def test_a_stream_read_to_the_end_completes(gateway: Gateway) -> None:
    """The control case: the watch above does see a stream that is read to the end."""
    answer = httpx.post(gateway.url + "/v1/chat/completions", json=BODIES["/v1/chat/completions"],
                        headers={"authorization": f"Bearer {KEY}"}, timeout=10)
    assert answer.status_code == 200 and "[DONE]" in answer.text
    assert gateway.provider.stream_ends == ["completed"]
