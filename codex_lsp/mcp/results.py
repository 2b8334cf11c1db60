"""Turn an MCP ``CallToolResult`` into the text the model reads.

The function-call output we send back is plain text, so text blocks are kept
verbatim and everything else (images, audio, resources) is summarised in one
bracketed line rather than dumped as base64 the model cannot use. Output is
capped so one chatty tool cannot blow the context window.
"""

from __future__ import annotations

import json
from typing import Any

import mcp.types as mt

from codex_lsp.mcp.tool import RemoteTool

#: Most characters of tool output passed to the model.
MAX_OUTPUT_CHARS = 64 * 1024


def _b64_size(data: str) -> int:
    """Decoded size of base64 ``data`` without decoding it."""
    stripped = data.rstrip("=")
    return len(stripped) * 3 // 4


def _block_text(block: Any) -> str:
    """One content block as text (a summary line for binary content)."""
    if isinstance(block, mt.TextContent):
        return block.text
    if isinstance(block, mt.ImageContent):
        return f"[image: {block.mime_type}, {_b64_size(block.data)} bytes]"
    if isinstance(block, mt.AudioContent):
        return f"[audio: {block.mime_type}, {_b64_size(block.data)} bytes]"
    if isinstance(block, mt.ResourceLink):
        label = f" ({block.name})" if block.name and block.name != str(block.uri) else ""
        return f"[resource link: {block.uri}{label}]"
    if isinstance(block, mt.EmbeddedResource):
        res = block.resource
        if isinstance(res, mt.TextResourceContents):
            return f"[resource: {res.uri}]\n{res.text}"
        if isinstance(res, mt.BlobResourceContents):
            mime = f", {res.mime_type}" if res.mime_type else ""
            return f"[resource: {res.uri}{mime}, {_b64_size(res.blob)} bytes]"
    kind = getattr(block, "type", type(block).__name__)
    return f"[{kind} content]"


def cap(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was dropped."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n[... {len(text) - limit} more characters truncated]"


def result_text(result: mt.CallToolResult) -> str:
    """The model-facing text of a tool result (without the error marker)."""
    parts = [_block_text(block) for block in result.content]
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    text = "\n".join(parts)
    return cap(text) if text else "(no output)"


def dump(model: Any) -> dict[str, Any]:
    """An SDK object as MCP's JSON (camelCase, unset fields left out)."""
    dumped: dict[str, Any] = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    return dumped


def describe(tool: mt.Tool) -> RemoteTool:
    """What the model is told of a server's tool."""
    return RemoteTool(
        name=tool.name,
        description=tool.description,
        title=tool.title,
        input_schema=tool.input_schema,
        read_only=bool(tool.annotations and tool.annotations.read_only_hint),
    )
