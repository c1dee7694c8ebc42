"""OpenAI Embeddings (``POST /v1/embeddings``): the input texts are the segments.

Token-id arrays are refused: they encode text the gateway cannot read.  ``user`` is
dropped.  An embedding answer carries no text, so there is nothing to restore.
"""

from __future__ import annotations

from typing import Any

from gateway.core import Restorer
from gateway.wire.base import (
    Collector,
    OpenAIErrors,
    ParsedRequest,
    Usage,
    WireFormat,
    parse_top_level,
    usage_from,
)
from gateway.wire.errors import invalid, unsupported

DROPPED = frozenset({"user"})
TOP_LEVEL = DROPPED | {"model", "input", "dimensions", "encoding_format"}


class OpenAIEmbeddings(OpenAIErrors, WireFormat):
    name = "openai_embeddings"
    endpoint = "/v1/embeddings"
    provider_api = "openai"
    upstream_path = "/embeddings"

    def parse(self, body: dict[str, Any]) -> ParsedRequest:
        body, model, _ = parse_top_level(body, TOP_LEVEL, DROPPED)  # "stream" is not a field here
        value = body.get("input")
        collector = Collector()
        if isinstance(value, str):
            collector.text(value, ("input",), 0, "input")
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            for i, text in enumerate(value):
                collector.text(text, ("input", i), i, "input")
        elif isinstance(value, list):
            raise unsupported("input: token arrays cannot be inspected; send text")
        else:
            raise invalid("input must be a string or an array of strings")
        for name in ("dimensions", "encoding_format"):
            if name in body and not isinstance(body[name], int | str):
                raise invalid(f"{name} has the wrong type")
        return collector.request(body, model, stream=False)

    def restore_response(self, body: dict[str, Any], restorer: Restorer) -> dict[str, Any]:
        return body

    def usage(self, body: dict[str, Any]) -> Usage:
        return Usage(usage_from(body.get("usage"), "prompt_tokens", "completion_tokens").prompt_tokens)
