"""Chat Completions requests: the thread's Responses-shaped history as Chat `messages`.

* `instructions` -> a leading `system` message; `developer` messages -> `system`;
* user/assistant `message` items -> `{role, content: text}` (text and `image_url` parts when
  the user attached images);
* consecutive tool calls (`function_call`, and `custom_tool_call` as a function call with
  `{"input": ...}`) -> ONE assistant message with `tool_calls`, merged into the assistant
  text message immediately before them when there is one;
* `function_call_output` / `custom_tool_call_output` -> `{role: "tool", tool_call_id, content}`;
* `reasoning` items are the Responses API's own: Chat servers get none.

The body asks for usage in the stream (`stream_options.include_usage`, unless the server
refused it) and caps the answer with `max_tokens` (`model_max_output_tokens`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from codex_lsp.models.base import ModelRequest, ToolSpec

log = logging.getLogger(__name__)

_INPUT_PARAMETERS = {
    "type": "object",
    "properties": {"input": {"type": "string", "description": "The entire input text."}},
    "required": ["input"],
}
"""Parameters of a freeform tool declared as a function (Chat has no grammar tools)."""
def _text_of(content: Any) -> str:
    """The text of a Responses `content` (a string or a list of text parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "".join(parts)
    return json.dumps(content)


def _content_of(content: Any) -> str | list[dict[str, Any]]:
    """A message's Chat `content`: its text, or text and `image_url` parts when it has images."""
    if not isinstance(content, list) or not any(
        isinstance(p, dict) and p.get("type") == "input_image" for p in content
    ):
        return _text_of(content)
    parts: list[dict[str, Any]] = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "input_image":
            parts.append({"type": "image_url", "image_url": {"url": part.get("image_url", "")}})
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append({"type": "text", "text": part["text"]})
    return parts


def _output_text(output: Any) -> str:
    """A `function_call_output`'s output as the string a `tool` message carries."""
    if isinstance(output, str):
        return output
    if isinstance(output, dict) and "content" in output:
        return _text_of(output["content"])
    if isinstance(output, list):
        return _text_of(output)
    return json.dumps(output)


def build_messages(request: ModelRequest) -> list[dict[str, Any]]:
    """Translate instructions + Responses-style history into Chat `messages`."""
    messages: list[dict[str, Any]] = []
    if request.instructions:
        messages.append({"role": "system", "content": request.instructions})
    # The message that the next function_call may join: the assistant message built from the
    # item just before it (text or earlier calls); None once anything else intervenes.
    joinable: dict[str, Any] | None = None
    for item in request.input:
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            role = str(item.get("role") or "user")
            if role == "developer":
                role = "system"
            message: dict[str, Any] = {"role": role, "content": _content_of(item.get("content"))}
            messages.append(message)
            joinable = message if role == "assistant" else None
        elif kind in ("function_call", "custom_tool_call"):
            raw: Any = item.get("arguments", "")
            if kind == "custom_tool_call":
                raw = {"input": item.get("input", "")}
            arguments = raw if isinstance(raw, str) else json.dumps(raw)
            call = {
                "id": str(item.get("call_id") or item.get("id") or ""),
                "type": "function",
                "function": {"name": str(item.get("name", "")), "arguments": arguments},
            }
            if joinable is None:
                joinable = {"role": "assistant", "content": None}
                messages.append(joinable)
            if not joinable.get("content"):
                joinable["content"] = None
            joinable.setdefault("tool_calls", []).append(call)
        elif kind in ("function_call_output", "custom_tool_call_output"):
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": str(item.get("call_id", "")),
                    "content": _output_text(item.get("output", "")),
                }
            )
            joinable = None
        elif kind != "reasoning":
            log.debug("chat: history item of type %r has no Chat Completions form; skipped", kind)
    return messages


def _function(tool: ToolSpec) -> dict[str, Any]:
    parameters = _INPUT_PARAMETERS if tool.grammar is not None else tool.parameters
    return {"name": tool.name, "description": tool.description, "parameters": parameters}


def build_body(
    request: ModelRequest, stream_options: bool = True, response_format: bool = True
) -> dict[str, Any]:
    """The JSON body of a streamed Chat Completions request.

    Structured output is `response_format: {type: json_schema}` unless the server
    refused it (`response_format=False`): the prompt then asks for the JSON in words.
    """
    body: dict[str, Any] = {"model": request.model, "messages": build_messages(request)}
    if request.output_schema is not None and response_format:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": request.output_schema_name,
                "schema": request.output_schema,
                "strict": True,
            },
        }
    if request.tools:
        body["tools"] = [{"type": "function", "function": _function(t)} for t in request.tools]
        body["tool_choice"] = "auto"
    if request.max_output_tokens:
        body["max_tokens"] = request.max_output_tokens
    body["stream"] = True
    if stream_options:
        body["stream_options"] = {"include_usage": True}
    return body


