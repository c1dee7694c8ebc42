"""The gateway's OpenAPI 3.1 description, served at ``GET /openapi.json``.

The endpoints take the raw request and validate bodies themselves (the wire formats in
:mod:`gateway.wire`), so that every refusal is answered in the caller's wire format
rather than as FastAPI's validation error; this module describes the same contract for
clients and for schema-driven tests (``tests/test_schema_fuzz.py`` runs schemathesis
against it).  The top-level fields of each request body are taken from the wire
formats' own field lists, so the description cannot drift from what the gateway
accepts: any other field is refused with 400 ``unknown_field`` (``additionalProperties:
false``), and a field the gateway accepts but does not model in detail (tool schemas,
sampling parameters...) is any JSON value, scanned and forwarded as sent.

The document describes public API shapes only (no rules, models, users or keys), so
it is served without authentication.  The DPO console and the admin endpoints under
``/admin`` are not part of it.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from gateway.scan import ENDPOINT as SCAN_ENDPOINT
from gateway.transparency import MAX_USAGE_LIMIT, USAGE_ENDPOINT
from gateway.wire import anthropic_messages, openai_chat, openai_embeddings, openai_responses

PATH = "/openapi.json"
Schema = dict[str, Any]

BEARER, ANTHROPIC_KEY = "gatewayBearer", "gatewayApiKey"
Security = list[dict[str, list[str]]]
OPENAI_SECURITY: Security = [{BEARER: []}]
ANTHROPIC_SECURITY: Security = [{ANTHROPIC_KEY: []}]
ANY_KEY_SECURITY: Security = [{BEARER: []}, {ANTHROPIC_KEY: []}]

ANY: Schema = {}  # any JSON value


def package_version() -> str:
    try:
        return version("ai-privacy-gateway")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0"


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, Schema], required: list[str] | None = None, *, closed: bool = True,
        description: str | None = None) -> Schema:
    out: Schema = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    if closed:
        out["additionalProperties"] = False
    if description:
        out["description"] = description
    return out


def top_level(fields: frozenset[str], dropped: frozenset[str], known: dict[str, Schema],
              required: list[str], description: str) -> Schema:
    """A request body: every field of the wire format, the modelled ones in detail."""
    properties: dict[str, Schema] = {}
    for name in sorted(fields):
        if name in known:
            properties[name] = known[name]
        elif name in dropped:
            properties[name] = {"description": "An identifier for the provider's bookkeeping: accepted "
                                               "and dropped, never forwarded."}
        else:
            properties[name] = {"description": "Forwarded as sent; every string inside is inspected."}
    return obj(properties, required, description=description)


# -- request bodies ------------------------------------------------------------------------

MODEL: Schema = {
    "type": "string", "minLength": 1, "maxLength": 256,
    "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:@+\-]*(/[A-Za-z0-9][A-Za-z0-9._:@+\-]*)*$",
    "description": "A model on the gateway's allow-list (see GET /v1/models); others are refused "
                   "with 403 model_not_allowed.",
    "examples": ["gpt-4.1-mini", "claude-sonnet-4-5"],
}
STREAM: Schema = {"type": ["boolean", "null"], "description": "Answer as server-sent events."}
IDENTIFIER: Schema = {"type": ["string", "null"], "maxLength": 256, "pattern": r"^[A-Za-z0-9_.:\-]*$"}


def part(kind: str, fields: dict[str, Schema]) -> Schema:
    return obj({"type": {"const": kind}, **fields}, ["type"])


def media(kinds: frozenset[str], description: str) -> Schema:
    return {"type": "object", "properties": {"type": {"enum": sorted(kinds)}}, "required": ["type"],
            "description": description}


MEDIA_NOTE = ("Images, files and audio cannot be inspected: refused (400 unsupported_content) unless "
              "the provider serving the model allows media.")

CHAT_PART: Schema = {"oneOf": [
    part("text", {"text": {"type": "string"}}),
    part("refusal", {"refusal": {"type": "string"}}),
    media(openai_chat.MEDIA_PARTS, MEDIA_NOTE),
]}
CHAT_TOOL_CALL: Schema = obj({
    "id": IDENTIFIER, "type": {"enum": sorted(openai_chat.TOOL_CALL_FIELDS)},
    "function": obj({"name": {"type": "string"}, "arguments": {"type": "string"}}, closed=False),
    "custom": obj({"name": {"type": "string"}, "input": {"type": "string"}}, closed=False),
})
CHAT_MESSAGE: Schema = obj(
    {
        "role": {"enum": list(openai_chat.MESSAGE_FIELDS)},
        "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": ref("ChatContentPart")},
                              {"type": "null"}]},
        "name": {"type": "string"},
        "refusal": {"type": ["string", "null"]},
        "tool_calls": {"type": "array", "items": ref("ChatToolCall")},
        "function_call": ANY,
        "audio": ANY,
        "tool_call_id": IDENTIFIER,
    },
    ["role"],
    description="One message. The fields a role may carry are those of OpenAI's API for that role.",
)
CHAT_REQUEST = top_level(openai_chat.TOP_LEVEL, openai_chat.DROPPED, {
    "model": MODEL, "stream": STREAM,
    "messages": {"type": "array", "items": ref("ChatMessage")},
}, ["model", "messages"], "OpenAI Chat Completions request (the fields the gateway inspects).")

RESPONSES_PART: Schema = {"oneOf": [
    part("input_text", {"text": {"type": "string"}}),
    part("output_text", {"text": {"type": "string"}, "annotations": ANY, "logprobs": ANY}),
    part("refusal", {"refusal": {"type": "string"}}),
    part("reasoning_text", {"text": {"type": "string"}}),
    media(openai_responses.MEDIA_PARTS, MEDIA_NOTE),
]}
RESPONSES_CONTENT: Schema = {"anyOf": [{"type": "string"},
                                       {"type": "array", "items": ref("ResponsesContentPart")}]}
RESPONSES_ITEM: Schema = obj(
    {
        "type": {"enum": sorted(openai_responses.ITEM_FIELDS)},
        "id": IDENTIFIER, "call_id": IDENTIFIER, "status": IDENTIFIER, "phase": IDENTIFIER,
        "role": {"enum": sorted(openai_responses.MESSAGE_ROLES)},
        "content": RESPONSES_CONTENT, "output": RESPONSES_CONTENT,
        "name": {"type": "string"}, "arguments": {"type": "string"}, "input": {"type": "string"},
        "summary": ANY, "encrypted_content": {"type": "string"},
        "caller": ANY, "namespace": ANY, "async": ANY,
    },
    description="An input item: a message (the default when it has a role), a function or custom tool "
                "call or its output, reasoning, or an item reference. Other item types are refused "
                "(400 unsupported_content).",
)
RESPONSES_REQUEST = top_level(openai_responses.TOP_LEVEL, openai_responses.DROPPED, {
    "model": MODEL, "stream": STREAM,
    "instructions": {"type": ["string", "null"]},
    "input": {"anyOf": [{"type": "string"}, {"type": "array", "items": ref("ResponsesInputItem")}]},
}, ["model"], "OpenAI Responses request (the fields the gateway inspects).")

EMBEDDINGS_REQUEST = top_level(openai_embeddings.TOP_LEVEL, openai_embeddings.DROPPED, {
    "model": MODEL,
    "input": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
              "description": "Text only: token arrays cannot be inspected and are refused."},
    "dimensions": {"type": ["integer", "string"]},
    "encoding_format": {"type": ["string", "integer"], "examples": ["float", "base64"]},
}, ["model", "input"], "OpenAI Embeddings request.")

TEXT_BLOCK = part("text", {"text": {"type": "string"}, "cache_control": ANY, "citations": ANY})
ANTHROPIC_BLOCK: Schema = {"oneOf": [
    TEXT_BLOCK,
    part("tool_use", {"id": IDENTIFIER, "name": {"type": "string"}, "input": ANY, "cache_control": ANY}),
    part("tool_result", {"tool_use_id": IDENTIFIER, "is_error": ANY, "cache_control": ANY,
                         "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": TEXT_BLOCK}]}}),
    part("thinking", {"thinking": {"type": "string"}, "signature": {"type": "string"}}),
    part("redacted_thinking", {"data": {"type": "string"}}),
    media(anthropic_messages.MEDIA_BLOCKS, MEDIA_NOTE),
]}
ANTHROPIC_MESSAGE: Schema = obj({
    "role": {"enum": sorted(anthropic_messages.ROLES)},
    "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": ref("AnthropicContentBlock")}]},
}, ["role", "content"])
ANTHROPIC_REQUEST = top_level(anthropic_messages.TOP_LEVEL, anthropic_messages.DROPPED, {
    "model": MODEL, "stream": STREAM,
    "max_tokens": {"type": "integer", "minimum": 1, "description": "Required by Anthropic's API."},
    "system": {"anyOf": [{"type": "string"}, {"type": "array", "items": TEXT_BLOCK}, {"type": "null"}]},
    "messages": {"type": "array", "items": ref("AnthropicMessage")},
}, ["model", "messages"], "Anthropic Messages request (the fields the gateway inspects).")

SCAN_MESSAGE: Schema = obj({
    "role": {"type": "string"},
    "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": obj(
        {"type": {"const": "text"}, "text": {"type": "string"}}, ["text"])}]},
}, ["content"])
SCAN_REQUEST: Schema = {
    "description": "Either one text or a conversation in the chat shape; with a model, the decision of "
                   "the policy profile of the provider that serves it.",
    "oneOf": [
        obj({"text": {"type": "string"}, "model": {"type": "string"}}, ["text"]),
        obj({"messages": {"type": "array", "items": SCAN_MESSAGE}, "model": {"type": "string"}},
            ["messages"]),
    ],
}

# -- answers -------------------------------------------------------------------------------

OPENAI_ERROR = obj({"error": obj({
    "message": {"type": "string"},
    "type": {"type": "string"},
    "code": {"type": ["string", "null"], "description": "The gateway's error code (see the README)."},
    "param": {"type": ["string", "null"]},
}, ["message", "type", "code"], closed=False)}, ["error"], closed=False,
    description="OpenAI's error JSON; error.code is the gateway's stable error code.")
ANTHROPIC_ERROR = obj({
    "type": {"const": "error"},
    "error": obj({
        "type": {"type": "string", "description": "One of Anthropic's error types."},
        "code": {"type": "string", "description": "The gateway's error code (see the README)."},
        "message": {"type": "string"},
    }, ["type", "message"], closed=False),
}, ["type", "error"], closed=False, description="Anthropic's error JSON, with the gateway's error code in "
                                                "error.code.")
# Each event of a stream (OpenAPI 3.1 has no itemSchema: tools read ``schema`` as one event).
STREAM_EVENT: Schema = obj({
    "event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"},
    "retry": {"type": "integer"},
}, ["data"], closed=False, description="One server-sent event of the provider's stream, with pseudonyms "
                                        "restored; data is the event's JSON (OpenAI ends with [DONE]).")

SCAN_RESULT = obj({
    "decision": {"enum": ["forwarded", "blocked"]},
    "reason_code": {"type": ["string", "null"]},
    "languages": {"type": "array", "items": {"type": "string"}},
    "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
    "findings": {"type": "array", "items": {"type": "object"}},
    "pseudonymised": {"type": "array", "items": {"type": "string"},
                      "description": "The texts as they would be sent (when not blocked)."},
    "message": {"type": "string", "description": "Why the texts would be blocked."},
}, ["decision", "reason_code", "languages", "counts", "findings"], closed=False)
MODEL_LIST = obj({
    "object": {"const": "list"},
    "data": {"type": "array", "items": obj(
        {"id": {"type": "string"}, "object": {"const": "model"}, "owned_by": {"type": "string"}},
        ["id", "object"], closed=False)},
    "has_more": {"type": "boolean"},
    "first_id": {"type": ["string", "null"]},
    "last_id": {"type": ["string", "null"]},
}, ["object", "data"], closed=False)
USAGE = obj({
    "object": {"const": "list"},
    "user": {"type": "string"},
    "data": {"type": "array", "items": {"type": "object"}},
    "total_energy_wh": {"type": "number"},
}, ["object", "user", "data"], closed=False)
HEALTH = obj({
    "status": {"enum": ["ok", "unready"]},
    "components": {"type": "object", "additionalProperties": {"type": "string"}},
    "rate_limiter": {"type": "string"},
    "unprotected": {"type": "array", "items": {"type": "string"}},
    "warnings": {"type": "array", "items": {"type": "string"}},
}, ["status", "components"], closed=False)

# Why each status happens (the gateway's own answers, and provider answers it relays).
REASONS = {
    400: "The body cannot be inspected as sent: invalid JSON, wrong types, unknown fields "
         "(unknown_field), unsupported or media content (unsupported_content); or the provider's own "
         "400, relayed.",
    401: "No gateway key, or an invalid or revoked one (invalid_api_key).",
    403: "The user is suspended or lacks required training, the model is not on the allow-list, or the "
         "policy blocked the request.",
    404: "The provider's own 404, relayed (the gateway answers 404 unknown_endpoint for paths and "
         "methods it does not serve).",
    408: "The body did not arrive in time (request_timeout).",
    413: "The body, its number of JSON values, messages or text exceeds the limits (request_too_large).",
    422: "The provider's own validation error, relayed.",
    429: "The user's rate limit (rate_limited, with Retry-After), or the provider's, relayed.",
    431: "The request headers exceed 16 KiB (request_too_large).",
    501: "This gateway keeps no readable use log (not_available).",
    502: "The provider failed or answered with an error of its own (upstream_error).",
    503: "A protection component or the use log failed: nothing was forwarded (gateway_unavailable).",
    504: "The provider did not answer in time (upstream_timeout).",
}
PROXY_STATUSES = (400, 401, 403, 404, 408, 413, 422, 429, 431, 502, 503, 504)
HEADERS: Schema = {
    "x-gateway-request-id": {"required": True, "schema": {"type": "string"},
                             "description": "The id of the use-log record of this request."},
    "x-gateway-decision": {"required": True,
                           "schema": {"enum": ["forwarded", "refused", "blocked", "error"]}},
    "x-gateway-pseudonymised": {"schema": {"type": "string"}, "description": "TYPE=n,... replaced values."},
    "x-gateway-warnings": {"schema": {"type": "string"}, "description": "TYPE=n,... forwarded unchanged."},
    "x-gateway-reason": {"schema": {"type": "string"}, "description": "The error code of a refusal."},
    "x-gateway-notice": {"schema": {"type": "string"},
                         "description": "The provider profile's reminder that AI output must be checked."},
    "retry-after": {"schema": {"type": "string"}, "description": "Seconds until the rate limit allows more."},
}
# What every answer of the pipeline carries (not the 431 of the HTTP layer: no record exists yet).
GATEWAY_HEADERS = {name: {"$ref": f"#/components/headers/{name}"}
                   for name in HEADERS if name.startswith("x-gateway-")}


def json_content(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def error_response(status: int, error_schema: Schema, headers: dict[str, Any] | None = None) -> Schema:
    out: Schema = {"description": REASONS[status], "content": json_content(error_schema)}
    if headers:
        out["headers"] = headers
    return out


def proxy_operation(path: str, summary: str, request: str, *, anthropic: bool = False,
                    streams: bool = True) -> Schema:
    """A proxied endpoint: the provider's answer, or an error in the same wire format."""
    answer, error = ref("ProviderAnswer"), ref("AnthropicError" if anthropic else "OpenAIError")
    ok: Schema = {"description": "The provider's answer, with pseudonyms restored.",
                  "headers": GATEWAY_HEADERS, "content": json_content(answer)}
    if streams:
        ok["content"]["text/event-stream"] = {"schema": STREAM_EVENT}
    responses: Schema = {"200": ok}
    for status in PROXY_STATUSES:
        # 431 comes from the HTTP layer, before any use-log record exists.
        headers = None if status == 431 else GATEWAY_HEADERS
        retry = {"retry-after": {"$ref": "#/components/headers/retry-after"}} if status == 429 else {}
        responses[str(status)] = error_response(status, error, {**(headers or {}), **retry} or None)
    return {"post": {
        "operationId": path.strip("/").replace("/", "_"),
        "summary": summary,
        "security": ANTHROPIC_SECURITY if anthropic else OPENAI_SECURITY,
        "parameters": [ANTHROPIC_VERSION_PARAMETER] if anthropic else [],
        "requestBody": {"required": True, "content": json_content(ref(request))},
        "responses": responses,
    }}


ANTHROPIC_VERSION_PARAMETER = {
    "name": "anthropic-version", "in": "header", "required": False,
    "schema": {"type": "string", "examples": ["2023-06-01"]},
    "description": "Anthropic's API version, passed on to the provider (its SDK always sends it).",
}
EITHER_ERROR: Schema = {"anyOf": [ref("OpenAIError"), ref("AnthropicError")],
                        "description": "Anthropic's error JSON when the request carries x-api-key and "
                                       "anthropic-version, else OpenAI's."}


def api_operation(operation_id: str, summary: str, answer: Schema, statuses: tuple[int, ...],
                  request: Schema | None = None, parameters: list[Schema] | None = None) -> Schema:
    """A gateway endpoint for staff: either SDK's key header; errors in the caller's format."""
    responses: Schema = {"200": {"description": "OK", "content": json_content(answer)}}
    for status in statuses:
        responses[str(status)] = error_response(status, EITHER_ERROR)
    operation: Schema = {"operationId": operation_id, "summary": summary, "security": ANY_KEY_SECURITY,
                         "parameters": parameters or [], "responses": responses}
    if request is not None:
        operation["requestBody"] = {"required": True, "content": json_content(request)}
    return operation


def public_operation(operation_id: str, summary: str, content: dict[str, Any],
                     unready: bool = False) -> Schema:
    responses: Schema = {"200": {"description": "OK", "content": content}}
    if unready:
        responses["503"] = {"description": "A protection component failed: take this replica out of "
                                           "rotation.", "content": content}
    return {"get": {"operationId": operation_id, "summary": summary, "security": [],
                    "responses": responses}}


@cache
def _document() -> Schema:
    schemas = {
        "ChatCompletionRequest": CHAT_REQUEST, "ChatMessage": CHAT_MESSAGE, "ChatContentPart": CHAT_PART,
        "ChatToolCall": CHAT_TOOL_CALL,
        "ResponsesRequest": RESPONSES_REQUEST, "ResponsesInputItem": RESPONSES_ITEM,
        "ResponsesContentPart": RESPONSES_PART,
        "EmbeddingsRequest": EMBEDDINGS_REQUEST,
        "AnthropicMessagesRequest": ANTHROPIC_REQUEST, "AnthropicMessage": ANTHROPIC_MESSAGE,
        "AnthropicContentBlock": ANTHROPIC_BLOCK,
        "ScanRequest": SCAN_REQUEST, "ScanResult": SCAN_RESULT, "ModelList": MODEL_LIST,
        "UsageList": USAGE, "Health": HEALTH,
        "OpenAIError": OPENAI_ERROR, "AnthropicError": ANTHROPIC_ERROR,
        "ProviderAnswer": {"type": "object", "description": "The provider's JSON answer, as the provider "
                                                            "sent it except for restored pseudonyms."},
    }
    paths: Schema = {
        openai_chat.OpenAIChat.endpoint: proxy_operation(
            openai_chat.OpenAIChat.endpoint, "OpenAI Chat Completions, inspected and forwarded",
            "ChatCompletionRequest"),
        openai_responses.OpenAIResponses.endpoint: proxy_operation(
            openai_responses.OpenAIResponses.endpoint, "OpenAI Responses, inspected and forwarded",
            "ResponsesRequest"),
        openai_embeddings.OpenAIEmbeddings.endpoint: proxy_operation(
            openai_embeddings.OpenAIEmbeddings.endpoint, "OpenAI Embeddings, inspected and forwarded",
            "EmbeddingsRequest", streams=False),
        anthropic_messages.AnthropicMessages.endpoint: proxy_operation(
            anthropic_messages.AnthropicMessages.endpoint, "Anthropic Messages, inspected and forwarded",
            "AnthropicMessagesRequest", anthropic=True),
        "/v1/models": {"get": api_operation(
            "v1_models", "The models the caller may use (OpenAI's and Anthropic's list fields)",
            ref("ModelList"), (401, 403, 431, 503))},
        SCAN_ENDPOINT: {"post": api_operation(
            "v1_scan", "What the gateway would do with a text; nothing is forwarded", ref("ScanResult"),
            (400, 401, 403, 408, 413, 429, 431, 503), request=ref("ScanRequest"))},
        USAGE_ENDPOINT: {"get": api_operation(
            "v1_me_usage", "The caller's own use-log records, newest first", ref("UsageList"),
            (400, 401, 403, 431, 501, 503),
            parameters=[{"name": "limit", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_USAGE_LIMIT}}])},
        "/healthz": public_operation("healthz", "Readiness: the protection components and what the rules "
                                     "leave unprotected", json_content(ref("Health")), unready=True),
        "/healthz/live": public_operation("healthz_live", "Liveness: the process answers", json_content(
            obj({"status": {"const": "alive"}}, ["status"]))),
        "/metrics": public_operation("metrics", "Prometheus metrics (no user names or content)",
                                     {"text/plain": {"schema": {"type": "string"}}}),
        PATH: public_operation("openapi", "This document", json_content({"type": "object"})),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AI privacy gateway", "version": package_version(),
            "description": "OpenAI- and Anthropic-compatible endpoints in front of a data-protection "
                           "pipeline. Every refusal carries a stable error code in the caller's wire "
                           "format. Any other path or method is answered 404 unknown_endpoint.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/"}],
        "security": ANY_KEY_SECURITY,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "headers": HEADERS,
            "securitySchemes": {
                BEARER: {"type": "http", "scheme": "bearer",
                         "description": "A gateway key (never a provider key), as OpenAI's SDKs send it."},
                ANTHROPIC_KEY: {"type": "apiKey", "in": "header", "name": "x-api-key",
                                "description": "A gateway key, as Anthropic's SDK sends it (with "
                                               "anthropic-version)."},
            },
        },
    }


def openapi_document() -> Schema:
    """The OpenAPI 3.1 document (a copy: callers may change it)."""
    return copy.deepcopy(_document())
