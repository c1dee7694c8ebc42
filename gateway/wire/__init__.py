"""The wire formats the gateway speaks, by gateway endpoint."""

from gateway.wire.anthropic_messages import AnthropicMessages
from gateway.wire.base import ParsedRequest, WireFormat
from gateway.wire.errors import WireError
from gateway.wire.openai_chat import OpenAIChat
from gateway.wire.openai_embeddings import OpenAIEmbeddings
from gateway.wire.openai_responses import OpenAIResponses

WIRE_FORMATS: dict[str, WireFormat] = {
    wire.endpoint: wire
    for wire in (OpenAIChat(), OpenAIResponses(), OpenAIEmbeddings(), AnthropicMessages())
}

__all__ = ["WIRE_FORMATS", "ParsedRequest", "WireError", "WireFormat"]
