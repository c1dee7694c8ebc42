"""A fake LLM provider on loopback: OpenAI and Anthropic wire formats, recording every request.

It answers ``"ECHO:\\n"`` + the texts it received, so a test sees both what the
gateway forwarded (``requests``) and what it gave back.  Streams are cut into chunks
of ``chunk`` characters (1 by default, so every surrogate is split).  ``mode`` makes
it answer with a tool call whose arguments echo the texts; ``failure`` scripts an
error: ``"500"``, ``"redirect"`` (302 to ``/elsewhere``), ``"slow"``, ``"drop"`` (the
connection is cut in the middle of a stream), ``"bad_utf8"`` (a stream with invalid
UTF-8 in its fifth event), ``"gzip"`` (streams gzip-compressed although the gateway asks
for identity).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway.serving import GatewayHttpProtocol

ECHO = "ECHO:\n"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Script:
    chunk: int = 1
    mode: str = "echo"  # echo | tool
    failure: str | None = None  # None | 500 | redirect | slow | drop | bad_utf8 | gzip
    delay_s: float = 2.0
    event_delay_s: float = 0.0  # pause before each streamed event


@dataclass
class FakeProvider:
    """The server's state; the app and the tests share it (same process)."""

    requests: list[Recorded] = field(default_factory=list)
    script: Script = field(default_factory=Script)
    port: int = 0
    record: bool = True  # off for benchmarks: the list would grow with every request
    # How each answer stream ended: "completed", or "closed" when the gateway went away.
    stream_ends: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.requests.clear()
        self.stream_ends.clear()
        self.script = Script()

    async def watch(self, events: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """Relay a stream's events (paced by the script), noting how the stream ended."""
        end = "closed"
        try:
            async for event in events:
                if self.script.event_delay_s:
                    await asyncio.sleep(self.script.event_delay_s)
                yield event
            end = "completed"
        finally:
            self.stream_ends.append(end)

    @property
    def posts(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]


def texts_of(content: Any) -> str:
    """The text of a content value: a string, or the text of its parts/blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            texts_of(p.get("text", p.get("content", ""))) if isinstance(p, dict) else str(p) for p in content
        )
    return ""


def received_texts(path: str, body: dict[str, Any]) -> list[str]:
    if path.endswith("/responses"):
        items = body.get("input")
        items = [{"content": items}] if isinstance(items, str) else items or []
        head = [body["instructions"]] if body.get("instructions") else []
        return head + [
            texts_of(i.get("content") or i.get("output") or i.get("arguments") or "") for i in items
        ]
    head = [texts_of(body["system"])] if body.get("system") else []
    return head + [texts_of(m.get("content")) for m in body.get("messages") or []]


def pieces(text: str, size: int) -> Iterator[str]:
    return (text[i : i + size] for i in range(0, len(text), size))


def sse(data: Any, event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return head + "data: " + (data if isinstance(data, str) else json.dumps(data)) + "\n\n"


def build_app(state: FakeProvider) -> Starlette:
    async def record(request: Request) -> Any:
        raw = await request.body()
        body = json.loads(raw) if raw else None
        if state.record:
            state.requests.append(Recorded(request.method, request.url.path, dict(request.headers), body))
        return body

    async def scripted(request: Request) -> Response | None:
        failure = state.script.failure
        if failure == "500":
            return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, 500)
        if failure == "redirect":
            return RedirectResponse(f"http://127.0.0.1:{state.port}/elsewhere", 302)
        if failure == "slow":
            await asyncio.sleep(state.script.delay_s)
        return None

    async def dispatch(request: Request) -> Response:
        body = await record(request)
        failed = await scripted(request)
        if failed is not None:
            return failed
        path = request.url.path
        if path.endswith("/embeddings"):
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            return JSONResponse(
                {
                    "object": "list",
                    "model": body["model"],
                    "data": [
                        {"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]}
                        for i, _ in enumerate(inputs)
                    ],
                    "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
                }
            )
        answer = ECHO + "\n".join(received_texts(path, body))
        handler = {"/v1/chat/completions": chat, "/v1/responses": responses, "/v1/messages": messages}[path]
        response = handler(body, answer, state.script)
        # Like real providers' load balancers: a cookie the gateway must never send back.
        response.set_cookie("provider_session", "fake-affinity-1")
        if isinstance(response, StreamingResponse):
            response.body_iterator = state.watch(response.body_iterator)
        return response

    async def models(request: Request) -> Response:
        await record(request)
        return JSONResponse({"object": "list", "data": [{"id": "upstream-only", "object": "model"}]})

    async def other(request: Request) -> Response:
        await record(request)
        return JSONResponse({"error": {"message": "no route"}}, 404)

    routes = [
        Route(p, dispatch, methods=["POST"])
        for p in ("/v1/chat/completions", "/v1/responses", "/v1/messages", "/v1/embeddings")
    ]
    return Starlette(
        routes=[
            *routes,
            Route("/v1/models", models, methods=["GET"]),
            Route("/{path:path}", other, methods=["GET", "POST"]),
        ]
    )


def stream(events: Iterator[str], script: Script) -> StreamingResponse:
    async def gen() -> AsyncIterator[str | bytes]:
        for n, event in enumerate(events):
            if script.failure == "drop" and n == 4:
                raise ConnectionResetError("scripted drop")
            if script.failure == "bad_utf8" and n == 4:
                yield b"data: \xff\xfe\n\n"
            yield event

    if script.failure == "gzip":  # ignores the gateway's accept-encoding: identity
        return StreamingResponse(gzipped(gen()), media_type="text/event-stream",
                                 headers={"content-encoding": "gzip"})
    return StreamingResponse(gen(), media_type="text/event-stream")


async def gzipped(chunks: AsyncIterator[str | bytes]) -> AsyncIterator[bytes]:
    """A gzip stream flushed after every chunk, so that it still streams."""
    packer = zlib.compressobj(wbits=31)
    async for chunk in chunks:
        data = chunk.encode() if isinstance(chunk, str) else chunk
        yield packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)
    yield packer.flush()


def chat(body: dict[str, Any], answer: str, script: Script) -> Response:
    usage = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    base = {"id": "chatcmpl-1", "created": 1, "model": body["model"]}
    arguments = json.dumps({"echo": answer})
    if not body.get("stream"):
        message: dict[str, Any] = {"role": "assistant", "content": answer}
        if script.mode == "tool":
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "echo", "arguments": arguments}}
                ],
            }
        return JSONResponse(
            {
                **base,
                "object": "chat.completion",
                "usage": usage,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            }
        )

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return sse(
            {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            }
        )

    def events() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        if script.mode == "tool":
            yield chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "echo", "arguments": ""},
                        }
                    ]
                }
            )
            for piece in pieces(arguments, script.chunk):
                yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        else:
            for piece in pieces(answer, script.chunk):
                yield chunk({"content": piece})
        yield chunk({}, "tool_calls" if script.mode == "tool" else "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            yield sse({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        yield sse("[DONE]")

    return stream(events(), script)


def responses(body: dict[str, Any], answer: str, script: Script) -> Response:
    usage = {
        "input_tokens": 5,
        "output_tokens": 4,
        "total_tokens": 9,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }
    if script.mode == "tool":
        item: dict[str, Any] = {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "echo",
            "arguments": json.dumps({"echo": answer}),
            "status": "completed",
        }
    else:
        item = {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": answer, "annotations": []}],
        }

    def response(status: str, output: list[Any]) -> dict[str, Any]:
        return {
            "id": "resp_1",
            "object": "response",
            "created_at": 1,
            "status": status,
            "model": body["model"],
            "output": output,
            "instructions": body.get("instructions"),
            "tools": [],
            "tool_choice": "auto",
            "parallel_tool_calls": True,
            "error": None,
            "incomplete_details": None,
            "usage": usage if status == "completed" else None,
        }

    if not body.get("stream"):
        return JSONResponse(response("completed", [item]))
    seq = iter(range(10**6))

    def ev(kind: str, **data: Any) -> str:
        return sse({"type": kind, "sequence_number": next(seq), **data}, kind)

    def events() -> Iterator[str]:
        yield ev("response.created", response=response("in_progress", []))
        if script.mode == "tool":
            yield ev("response.output_item.added", output_index=0, item={**item, "arguments": ""})
            for piece in pieces(item["arguments"], script.chunk):
                yield ev(
                    "response.function_call_arguments.delta", item_id="fc_1", output_index=0, delta=piece
                )
            yield ev(
                "response.function_call_arguments.done",
                item_id="fc_1",
                output_index=0,
                arguments=item["arguments"],
            )
        else:
            yield ev("response.output_item.added", output_index=0, item={**item, "content": []})
            yield ev(
                "response.content_part.added",
                item_id="msg_1",
                output_index=0,
                content_index=0,
                part={"type": "output_text", "text": "", "annotations": []},
            )
            for piece in pieces(answer, script.chunk):
                yield ev(
                    "response.output_text.delta",
                    item_id="msg_1",
                    output_index=0,
                    content_index=0,
                    delta=piece,
                )
            yield ev(
                "response.output_text.done", item_id="msg_1", output_index=0, content_index=0, text=answer
            )
            yield ev(
                "response.content_part.done",
                item_id="msg_1",
                output_index=0,
                content_index=0,
                part=item["content"][0],
            )
        yield ev("response.output_item.done", output_index=0, item=item)
        yield ev("response.completed", response=response("completed", [item]))

    return stream(events(), script)


def messages(body: dict[str, Any], answer: str, script: Script) -> Response:
    if script.mode == "tool":
        block: dict[str, Any] = {
            "type": "tool_use",
            "id": "toolu_1",
            "name": "echo",
            "input": {"echo": answer},
        }
    else:
        block = {"type": "text", "text": answer}
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "stop_reason": "end_turn",
        "stop_sequence": None,
    }
    if not body.get("stream"):
        return JSONResponse({**message, "content": [block], "usage": {"input_tokens": 6, "output_tokens": 2}})

    def events() -> Iterator[str]:
        yield sse(
            {
                "type": "message_start",
                "message": {
                    **message,
                    "content": [],
                    "stop_reason": None,
                    "usage": {"input_tokens": 6, "output_tokens": 1},
                },
            },
            "message_start",
        )
        if script.mode == "tool":
            yield sse(
                {"type": "content_block_start", "index": 0, "content_block": {**block, "input": {}}},
                "content_block_start",
            )
            kind, key, text = "input_json_delta", "partial_json", json.dumps(block["input"])
        else:
            yield sse(
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                "content_block_start",
            )
            kind, key, text = "text_delta", "text", answer
        yield sse({"type": "ping"}, "ping")
        for piece in pieces(text, script.chunk):
            yield sse(
                {"type": "content_block_delta", "index": 0, "delta": {"type": kind, key: piece}},
                "content_block_delta",
            )
        yield sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        yield sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 2},
            },
            "message_delta",
        )
        yield sse({"type": "message_stop"}, "message_stop")

    return stream(events(), script)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """Runs an ASGI app with uvicorn on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Any, port: int | None = None, http: Any = GatewayHttpProtocol,
                 **settings: Any) -> None:
        """``http``: uvicorn's protocol (by default the one `gateway serve` runs); ``settings``:
        more of uvicorn's (``ssl_certfile`` and ``ssl_keyfile`` serve HTTPS)."""
        self.port = port or free_port()
        self.scheme = "https" if settings.get("ssl_certfile") else "http"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False, lifespan="on",
            http=http, **settings,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"


def main(argv: list[str] | None = None) -> None:
    """Serve the fake provider in a process of its own (the benchmark does, so that its CPU
    is not shared with the load generator's threads)."""
    parser = argparse.ArgumentParser(description="fake LLM provider on loopback")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--chunk", type=int, default=1, help="characters per streamed event")
    parser.add_argument("--no-record", action="store_true", help="keep no request (long runs)")
    args = parser.parse_args(argv)
    state = FakeProvider(script=Script(chunk=args.chunk), record=not args.no_record, port=args.port)
    uvicorn.run(build_app(state), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
