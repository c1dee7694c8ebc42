"""Schemathesis against the gateway's own OpenAPI schema (GET /openapi.json), over HTTP.

The session's gateway (tests/conftest.py: uvicorn on loopback in front of
tests/fakeprovider.py) is driven with the cases schemathesis derives from the schema:
the schema's examples, its coverage cases (boundary values, missing and wrong-typed
fields) and random fuzzing, valid and invalid bodies alike, once with a valid gateway
key and once without any key.  For each answer:

- no 5xx: the fake provider is healthy, so even the 502/503/504 the schema documents
  for provider failures mean the gateway broke;
- the status, the content type, the documented headers and the body conform to the
  schema (an error is the wire format's error JSON);
- the fake provider received only JSON objects for a model on the allow-list, on the
  endpoint of that model's API, and nothing at all from a request without a key.

Generated model names almost never hit the allow-list, so most bodies get an allowed
model instead (with_allowed_model): those requests get through to the provider, which
is where forwarding something malformed would show.

Bounded for CI (about 30 s, some 4,300 requests): 50 fuzzed examples per operation
besides the coverage cases, derandomized and without the example database, so every
run sends the same requests.  No health check is suppressed.
"""

from __future__ import annotations

import fnmatch
import json
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from conftest import KEY, Gateway, rules_for
from schemathesis import checks as sc

from gateway.config import Rules
from gateway.core import Principal
from gateway.openapi import PATH, openapi_document
from gateway.wire import WIRE_FORMATS

MAX_EXAMPLES = 50
# None keeps the generated model; echo-claude is served by the Anthropic provider, the others by
# OpenAI-API providers (tests/conftest.py rules_for).
OPENAI_MODELS = (None, "echo-1", "echo-glob-fuzz", "local-vision", "echo-1", "echo-claude")
MESSAGES_MODELS = (None, "echo-claude", "echo-claude", "echo-claude", "echo-1")
# Whether the answers conform to the schema, and the gateway never fails.
CHECKS = [sc.not_a_server_error, sc.status_code_conformance, sc.content_type_conformance,
          sc.response_headers_conformance, sc.response_schema_conformance]
AUTH_HEADERS = frozenset({"authorization", "x-api-key"})


def with_allowed_model(case: Any) -> None:
    """Most bodies get a model the rules allow, so that they reach the fake provider.

    Generated names almost never hit the allow-list.  The pick depends only on the body,
    so a run sends the same requests every time; some keep their model (refused as not
    allowed), some get the other API's model (refused as the wrong API for the endpoint).
    """
    if not isinstance(case.body, dict) or "model" not in case.body:
        return
    picks = MESSAGES_MODELS if case.path == "/v1/messages" else OPENAI_MODELS
    pick = picks[zlib.crc32(repr(case.body).encode()) % len(picks)]
    if pick is not None:
        case.body = {**case.body, "model": pick}


# The document the gateway serves (test_schema_is_valid_openapi_and_lists_every_endpoint checks
# that GET /openapi.json answers exactly this); built here because the tests are generated at
# collection time, before the gateway runs.  (schemathesis.pytest.from_fixture, which would
# load it over HTTP, does not work with pytest 9: it sets Function._nodeid.)
schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")


@pytest.fixture(scope="module")
def fuzzed(_servers: Gateway) -> Gateway:
    """The session's gateway with one valid key and a reset provider, for the whole module.

    Hypothesis runs many cases in one test function, so the per-test ``gateway`` fixture
    (function-scoped) would not be reset between them anyway; ``check_forwarded`` clears
    the provider's record after each case instead.
    """
    _servers.store.principals = {KEY: Principal(user="alice", key_id="key_alice", group="staff")}
    _servers.store.fail_records = False
    _servers.provider.reset()
    return _servers


@pytest.fixture(scope="module")
def rules(_servers: Gateway) -> Rules:
    return rules_for(f"http://127.0.0.1:{_servers.provider.port}")


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def key_headers(path: str) -> dict[str, str]:
    if path == "/v1/messages":
        return {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    return {"Authorization": f"Bearer {KEY}"}


def check_forwarded(gateway: Gateway, rules: Rules, keyless: bool) -> None:
    """What reached the fake provider: allowed models, JSON objects, right API; none without a key."""
    forwarded = list(gateway.provider.requests)
    gateway.provider.requests.clear()
    if keyless:
        assert not forwarded, f"forwarded without a gateway key: {[r.path for r in forwarded]}"
    for request in forwarded:
        wire = WIRE_FORMATS.get(request.path)
        assert wire is not None and request.method == "POST", f"{request.method} {request.path}"
        assert isinstance(request.body, dict), f"forwarded a body that is not a JSON object: {request.body!r}"
        model = request.body.get("model")
        # Matched here with fnmatch, not with the gateway's own Rules.provider_for_model.
        apis = {p.api for p in rules.providers for pattern in p.models
                if isinstance(model, str) and fnmatch.fnmatchcase(model, pattern)}
        assert apis, f"forwarded model {model!r}, which is not on the allow-list"
        assert wire.provider_api in apis, f"{model!r} forwarded on {request.path}"
        json.dumps(request.body, allow_nan=False)  # nothing JSON cannot carry


@schema.parametrize()
def test_with_a_gateway_key(case: Any, fuzzed: Gateway, rules: Rules, session: requests.Session) -> None:
    with_allowed_model(case)
    case.call_and_validate(fuzzed.url, session, key_headers(case.path), checks=CHECKS, timeout=30)
    check_forwarded(fuzzed, rules, keyless=False)


@schema.parametrize()
def test_without_a_gateway_key(case: Any, fuzzed: Gateway, rules: Rules, session: requests.Session) -> None:
    with_allowed_model(case)
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in AUTH_HEADERS}
    response = case.call_and_validate(fuzzed.url, session, checks=CHECKS, timeout=30)
    if case.method.upper() != case.operation.method.upper():  # the coverage phase tries other methods
        assert response.status_code == 404, response.text
    elif case.operation.definition.raw.get("security", [{}]):  # every endpoint but the public ones
        assert response.status_code in (401, 431), response.text
    check_forwarded(fuzzed, rules, keyless=True)


def test_schema_is_valid_openapi_and_lists_every_endpoint(gateway: Gateway) -> None:
    answer = httpx.get(gateway.url + PATH, timeout=10)  # no key needed
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    document = answer.json()
    assert document == openapi_document()
    schemathesis.openapi.from_dict(document).validate()  # against the OpenAPI 3.1 meta-schema
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    assert {path for path in WIRE_FORMATS if "post" in paths.get(path, {})} == set(WIRE_FORMATS)
    assert {"/v1/models", "/v1/scan", "/v1/me/usage", "/healthz", "/healthz/live", "/metrics"} <= set(paths)
    assert not [path for path in paths if path.startswith("/admin")]


@pytest.mark.parametrize("path", list(WIRE_FORMATS))
def test_request_bodies_list_exactly_the_fields_the_wire_formats_accept(path: str) -> None:
    """The schema's fields come from the wire formats: a field added there is documented."""
    document = openapi_document()
    request = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body = document["components"]["schemas"][request["$ref"].rsplit("/", 1)[1]]
    module = __import__(type(WIRE_FORMATS[path]).__module__, fromlist=["TOP_LEVEL"])
    assert set(body["properties"]) == set(module.TOP_LEVEL)
    assert body["additionalProperties"] is False  # the gateway refuses any other field


def test_an_invalid_document_is_caught() -> None:
    """The control case of the validity check above."""
    document = openapi_document()
    document["paths"]["/v1/models"]["get"]["responses"]["200"]["content"] = "json"
    with pytest.raises(Exception, match="is not of type"):
        schemathesis.openapi.from_dict(document).validate()
