"""Hostile input over HTTP: every malformed or tricky request is a clear 4xx and reaches no provider.

Each case asserts the status, that the answer is the wire format's error JSON with a
code, and that the fake provider recorded nothing: a gateway that forwards what it
could not read, or answers 500, is a gateway that can be walked around.
"""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from conftest import KEY, Gateway
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gateway.wire import WIRE_FORMATS

HELLO = [{"role": "user", "content": "hello"}]
VALID: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {"model": "echo-1", "messages": HELLO},
    "/v1/responses": {"model": "echo-1", "input": "hello"},
    "/v1/embeddings": {"model": "echo-1", "input": "hello"},
    "/v1/messages": {"model": "echo-claude", "max_tokens": 5, "messages": HELLO},
}
ENDPOINTS = list(VALID)
AUTH = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}


CLIENT = httpx.Client(timeout=30)  # one client: creating one per request costs more than the request


def post(gateway: Gateway, path: str, content: bytes, headers: Mapping[str, str] = AUTH) -> httpx.Response:
    return CLIENT.post(gateway.url + path, content=content, headers=dict(headers))


def assert_refused(gateway: Gateway, answer: httpx.Response, status: int, code: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code if code else error["code"]
    assert not gateway.provider.requests


def with_fields(path: str, **fields: Any) -> bytes:
    return json.dumps({**copy.deepcopy(VALID[path]), **fields}).encode()


def raw_http(gateway: Gateway, head: bytes, body: bytes = b"") -> bytes:
    """Send bytes as they are (request lines httpx would not write) and read the whole answer."""
    port = int(gateway.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        length = str(len(body)).encode()
        sock.sendall(head + b"\r\nContent-Length: " + length + b"\r\nConnection: close\r\n\r\n" + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_valid_bodies_are_forwarded(gateway: Gateway) -> None:
    """The control case: the bodies the other tests break are accepted as they are."""
    for path, body in VALID.items():
        assert post(gateway, path, json.dumps(body).encode()).status_code == 200
    assert [r.path for r in gateway.provider.posts] == ENDPOINTS


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"null", b"[]", b'"text"', b"\xff\xfe\x00", b'{"model": "echo-1",}', b"{'model': 'echo-1'}"],
)
def test_malformed_json(gateway: Gateway, path: str, content: bytes) -> None:
    assert_refused(gateway, post(gateway, path, content), 400, "invalid_request")


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "1" * 5000])
def test_numbers_json_does_not_have(gateway: Gateway, path: str, number: str) -> None:
    content = with_fields(path, temperature=0.5).replace(b"0.5", number.encode())
    assert_refused(gateway, post(gateway, path, content), 400, "invalid_request")


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "fields",
    [{"model": None}, {"model": 5}, {"model": ""}, {"model": ["echo-1"]}, {"stream": "yes"},
     {"messages": "x"}, {"messages": [5]}, {"messages": [{"role": 5, "content": "x"}]},
     {"messages": [{"role": "user", "content": 5}]}, {"input": 5}, {"input": {"text": "x"}}],
)
def test_wrong_types(gateway: Gateway, path: str, fields: dict[str, Any]) -> None:
    body = {**VALID[path], **fields}
    if path == "/v1/embeddings" and "messages" in fields:
        body.pop("input")
    assert_refused(gateway, post(gateway, path, json.dumps(body).encode()), 400)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("text", [b"\xc3\x28", b"\xed\xa0\x80", b"\xff", b"\\ud800"])
def test_invalid_utf8_and_lone_surrogates(gateway: Gateway, path: str, text: bytes) -> None:
    content = with_fields(path).replace(b"hello", text)
    assert_refused(gateway, post(gateway, path, content), 400, "invalid_request")


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("depth", [100, 10_000])
def test_deeply_nested_json(gateway: Gateway, path: str, depth: int) -> None:
    nested = b"[" * depth + b"]" * depth
    assert_refused(gateway, post(gateway, path, nested), 400, "invalid_request")
    inside = with_fields(path, temperature=0).replace(b'"temperature": 0', b'"temperature": ' + nested)
    assert_refused(gateway, post(gateway, path, inside), 400, "invalid_request")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_hundred_thousand_messages(gateway: Gateway, path: str) -> None:
    many = [{"role": "user", "content": "a"}] * 100_000 if "messages" in VALID[path] else ["a"] * 100_000
    field = "messages" if "messages" in VALID[path] else "input"
    answer = post(gateway, path, with_fields(path, **{field: many}))
    assert_refused(gateway, answer, 413, "request_too_large")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_oversized_body(gateway: Gateway, path: str) -> None:
    content = with_fields(path).replace(b"hello", b"a" * 4_100_000)
    assert_refused(gateway, post(gateway, path, content), 413, "request_too_large")


def test_oversized_headers(gateway: Gateway) -> None:
    head = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY.encode()
            + b"\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 20_000)
    answer = raw_http(gateway, head, with_fields("/v1/chat/completions"))
    # 400 from the HTTP server when the header block arrives in pieces, else 431 from the gateway.
    assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 431")), answer[:100]
    assert not gateway.provider.requests


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "model",
    ["../admin", "gpt-4o/../../x", "echo-glob-/../../admin", "echo-glob-%2F..%2Fadmin",
     "echo-glob-x\\..\\admin", "echo-glob-\n", "echo-glob-?x=1", "echo-glob-#x", "/v1/models"],
)
def test_model_names_with_path_characters(gateway: Gateway, path: str, model: str) -> None:
    assert_refused(gateway, post(gateway, path, with_fields(path, model=model)), 400, "invalid_request")


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("field", ["base_url", "api_base", "api_key", "url", "extra_headers", "headers"])
def test_destination_fields_in_the_body(gateway: Gateway, path: str, field: str) -> None:
    content = with_fields(path, **{field: "http://127.0.0.1:1/v1"})
    assert_refused(gateway, post(gateway, path, content), 400, "unknown_field")


@pytest.mark.parametrize("host", ["api.openai.com", "evil.example", "127.0.0.1:1"])
def test_host_header_tricks_change_nothing(gateway: Gateway, host: str) -> None:
    tricks = {**AUTH, "host": host, "x-forwarded-host": host, "x-forwarded-proto": "https",
              "x-original-url": "/admin", "forwarded": f"host={host}"}
    unlisted = with_fields("/v1/chat/completions", model="gpt-4o")
    assert_refused(gateway, post(gateway, "/v1/chat/completions", unlisted, tricks), 403, "model_not_allowed")
    listed = with_fields("/v1/chat/completions")
    assert post(gateway, "/v1/chat/completions", listed, tricks).status_code == 200
    [forwarded] = gateway.provider.requests
    assert forwarded.path == "/v1/chat/completions"
    assert forwarded.headers["host"] == f"127.0.0.1:{gateway.provider.port}"
    assert not {"x-forwarded-host", "x-original-url", "forwarded"} & forwarded.headers.keys()


@pytest.mark.parametrize(
    "line",
    [b"POST http://api.openai.com/v1/chat/completions HTTP/1.1",
     b"POST https://127.0.0.1:1/v1/chat/completions HTTP/1.1",
     b"CONNECT api.openai.com:443 HTTP/1.1",
     b"POST //api.openai.com/v1/chat/completions HTTP/1.1",
     b"POST /v1/../v1/chat/completions HTTP/1.1",
     b"POST /v1/chat/completions/../../admin HTTP/1.1"],
)
def test_absolute_urls_and_odd_request_targets(gateway: Gateway, line: bytes) -> None:
    head = line + b"\r\nHost: api.openai.com\r\nAuthorization: Bearer " + KEY.encode() \
        + b"\r\nContent-Type: application/json"
    answer = raw_http(gateway, head, with_fields("/v1/chat/completions"))
    status, _, rest = answer.partition(b"\r\n")
    assert status.startswith((b"HTTP/1.1 400", b"HTTP/1.1 404")), status
    if status.startswith(b"HTTP/1.1 404"):
        assert json.loads(rest.partition(b"\r\n\r\n")[2])["error"]["code"] == "unknown_endpoint"
    assert not gateway.provider.requests


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("stream", [False, True])
def test_upstream_redirect_is_not_followed(gateway: Gateway, path: str, stream: bool) -> None:
    if stream and path == "/v1/embeddings":
        pytest.skip("embeddings do not stream")
    gateway.provider.script.failure = "redirect"
    answer = post(gateway, path, with_fields(path, **({"stream": True} if stream else {})))
    assert answer.status_code == 502 and answer.json()["error"]["code"] == "upstream_error"
    assert [r.path for r in gateway.provider.requests] == [path]  # never /elsewhere


# -- property: random JSON never gives a 5xx, and only well-formed allowed requests are forwarded

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=12)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)
PART = st.fixed_dictionaries({"type": st.sampled_from(["text", "image"]),
                             "text": st.text(max_size=10) | JSON})
CONTENT = st.text(max_size=20) | st.lists(PART, max_size=2)
MESSAGE = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system", "tool", "x"]) | JSON,
                                 "content": CONTENT | JSON}) | JSON
FIELDS = {
    "model": st.sampled_from(["echo-1", "echo-claude", "echo-glob-a", "gpt-4o", "../x"]) | JSON,
    "messages": st.lists(MESSAGE, max_size=3) | JSON,
    "input": st.text(max_size=20) | st.lists(st.text(max_size=10), max_size=3) | JSON,
    "system": st.text(max_size=10) | JSON,
    "max_tokens": st.integers(1, 5) | JSON,
    "stream": st.booleans() | JSON,
    "temperature": JSON,
    "base_url": JSON,
}
# Mostly a valid body with some fields replaced, so that both outcomes are explored.
CHANGES = st.fixed_dictionaries({}, optional=FIELDS)


@st.composite
def bodies(draw: st.DrawFn, path: str) -> Any:
    if draw(st.integers(0, 3)) == 0:
        return draw(st.dictionaries(st.text(max_size=10), JSON, max_size=4) | JSON)
    return {**VALID[path], **draw(CHANGES)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), path=st.sampled_from(ENDPOINTS))
def test_random_json_never_fails_the_gateway(gateway: Gateway, data: st.DataObject, path: str) -> None:
    body = data.draw(bodies(path))
    gateway.provider.requests.clear()
    answer = post(gateway, path, json.dumps(body).encode())
    forwarded = gateway.provider.requests
    event("forwarded" if forwarded else f"refused {answer.status_code}")
    if not forwarded:
        assert 400 <= answer.status_code < 500, answer.text
        return
    # Forwarded: it was a well-formed request for a model allowed on this endpoint, sent once to its path.
    assert isinstance(body, dict) and [r.path for r in forwarded] == [path]
    provider = gateway_rules(gateway).provider_for_model(body["model"])
    assert provider is not None and provider.api == WIRE_FORMATS[path].provider_api
    assert answer.status_code == 200 or (answer.status_code == 502 and "upstream_error" in answer.text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from([*ENDPOINTS, "/v1/scan"]), content=st.binary(max_size=64))
def test_random_bytes_are_refused(gateway: Gateway, path: str, content: bytes) -> None:
    gateway.provider.requests.clear()
    answer = post(gateway, path, content)
    assert 400 <= answer.status_code < 500 and "error" in answer.json()
    assert not gateway.provider.requests


def gateway_rules(gateway: Gateway) -> Any:
    """The rules the running gateway uses (the session's test rules)."""
    from conftest import rules_for

    return rules_for(f"http://127.0.0.1:{gateway.provider.port}")


@pytest.mark.parametrize("limit", ["\u00b2", "\u0663", "0", "-1", "1e3", " 5", "", "1001", "9" * 400])
def test_odd_usage_limits(gateway: Gateway, limit: str) -> None:
    """GET /v1/me/usage?limit=: only 1..1000 in ASCII digits ("\u00b2".isdigit() is true, int() fails)."""
    answer = CLIENT.get(gateway.url + "/v1/me/usage", params={"limit": limit}, headers=AUTH)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"
    assert CLIENT.get(gateway.url + "/v1/me/usage", params={"limit": "5"}, headers=AUTH).status_code == 200


@pytest.mark.parametrize("name", [b"anthropic-version", b"anthropic-beta"])
def test_non_ascii_api_headers_are_refused_not_forwarded(gateway: Gateway, name: bytes) -> None:
    """The API headers passed on to the provider must be encodable: a 400, never a 500."""
    head = (b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + KEY.encode()
            + b"\r\n" + name + b": 2023-06-01\xe9\r\nContent-Type: application/json")
    answer = raw_http(gateway, head, with_fields("/v1/messages"))
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"printable ASCII" in answer
    assert not gateway.provider.requests
    assert gateway.store.records[-1].decision == "refused"
