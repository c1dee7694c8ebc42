"""The body of ``POST /v1/scan``: the texts to check, and for which provider.

Staff paste a text (``{"text": "..."}``) or a conversation in the chat shape
(``{"messages": [{"role": "user", "content": "..."}]}``, content a string or text
parts); IT and the DPO may add ``"model"`` to see the decision of the policy profile
of the provider that serves it.  The body is validated as strictly as the proxied
formats: a field the scan does not read would give a misleading answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.config import Rules
from gateway.wire.base import check_fields, expect_dict, expect_list, format_path
from gateway.wire.errors import MODEL_NOT_ALLOWED, WireError, invalid

ENDPOINT = "/v1/scan"
TOP_LEVEL = frozenset({"text", "messages", "model"})
MESSAGE_FIELDS = frozenset({"role", "content"})
PART_FIELDS = frozenset({"type", "text"})


@dataclass(frozen=True)
class ScanRequest:
    texts: list[str]
    model: str | None
    provider: str  # "" when no model was named: the default policy profile


def parse_scan(body: Any, rules: Rules) -> ScanRequest:
    """Validate a decoded scan body; WireError 400/403 naming the offending field otherwise."""
    body = expect_dict(body, ())
    check_fields(body, TOP_LEVEL, ())
    if ("text" in body) == ("messages" in body):
        raise invalid("give either text or messages")
    if "text" in body:
        texts = [_string(body["text"], ("text",))]
    else:
        texts = [text for i, m in enumerate(expect_list(body["messages"], ("messages",)))
                 for text in _message_texts(m, ("messages", i))]
    model = body.get("model")
    if model is None:
        return ScanRequest(texts, None, "")
    provider = rules.provider_for_model(_string(model, ("model",)))
    if provider is None:
        raise WireError(403, MODEL_NOT_ALLOWED, f"the model {model!r} is not on the gateway's allow-list")
    return ScanRequest(texts, model, provider.name)


def _message_texts(value: Any, path: tuple[str | int, ...]) -> list[str]:
    message = expect_dict(value, path)
    check_fields(message, MESSAGE_FIELDS, path)
    _string(message.get("role", "user"), (*path, "role"))
    content = message.get("content")
    if isinstance(content, str):
        return [content]
    texts = []
    for i, part in enumerate(expect_list(content, (*path, "content"))):
        where = (*path, "content", i)
        part = expect_dict(part, where)
        check_fields(part, PART_FIELDS, where)
        if part.get("type", "text") != "text":
            raise invalid(f"{format_path(where)}.type must be 'text'")
        texts.append(_string(part.get("text"), (*where, "text")))
    return texts


def _string(value: Any, path: tuple[str | int, ...]) -> str:
    if not isinstance(value, str):
        raise invalid(f"{format_path(path)} must be a string")
    return value
