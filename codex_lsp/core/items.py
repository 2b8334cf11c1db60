"""Conversation items: what a thread's history holds and every model request sends.

They are Responses API input items, the form Codex keeps its history in; the Chat
Completions client translates them. Typed here so the engine, the store, compaction
and the wire clients agree on one shape (the API's), not on `dict[str, Any]`.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict, TypeGuard


class InputText(TypedDict):
    """Text the user (or the editor, for them) wrote."""

    type: Literal["input_text"]
    text: str


class OutputText(TypedDict):
    """Text the model wrote."""

    type: Literal["output_text"]
    text: str


class InputImage(TypedDict):
    """An image for the model: a data URL (or https URL), as the Responses API takes it."""

    type: Literal["input_image"]
    image_url: str
    detail: NotRequired[Literal["low", "high", "auto", "original"]]


OutputContent = InputText | InputImage
"""A content item of a tool's output."""


class MessageItem(TypedDict):
    """A user's or the model's message."""

    type: Literal["message"]
    role: Literal["user", "assistant", "system", "developer"]
    content: list[InputText | OutputText | InputImage]  # images: the user's attachments


class FunctionCallItem(TypedDict):
    """A model's call of a function tool, kept so its output can follow it."""

    type: Literal["function_call"]
    call_id: str
    name: str
    arguments: str


class FunctionCallOutputItem(TypedDict):
    """A function tool's result for the model (same `call_id` as its call)."""

    type: Literal["function_call_output"]
    call_id: str
    output: str | list[OutputContent]  # text, or content items (view_image's input_image)


class CustomToolCallItem(TypedDict):
    """A model's call of a freeform (custom) tool: `input` is raw text, not JSON."""

    type: Literal["custom_tool_call"]
    call_id: str
    name: str
    input: str


class CustomToolCallOutputItem(TypedDict):
    """A custom tool's result for the model."""

    type: Literal["custom_tool_call_output"]
    call_id: str
    output: str


class SummaryText(TypedDict):
    """One part of a reasoning summary."""

    type: Literal["summary_text"]
    text: str


class ReasoningText(TypedDict):
    """One part of a reasoning item's raw content (when the API returns it)."""

    type: Literal["reasoning_text"]
    text: str


class ReasoningItem(TypedDict):
    """A reasoning model's thinking, replayed so it carries across steps (`store: false`).

    Kept as received minus `id` (and `status`): the API looks ids up in storage, which
    `store: false` (and zero-data-retention organisations) forbid.
    """

    type: Literal["reasoning"]
    summary: list[SummaryText]
    content: NotRequired[list[ReasoningText] | None]
    encrypted_content: NotRequired[str | None]


class WebSearchAction(TypedDict, total=False):
    """What a built-in web search did: `search` (query, sources), `open_page`, `find`."""

    type: str
    query: str
    queries: list[str]
    url: str
    pattern: str
    sources: list[dict[str, Any]]


class WebSearchCallItem(TypedDict):
    """A search the Responses API's built-in `web_search` tool ran (kept as Codex keeps it).

    Replayed in later requests minus its `id`, like reasoning items (`store: false`).
    """

    type: Literal["web_search_call"]
    status: NotRequired[str]
    action: NotRequired[WebSearchAction]


ResponseItem = (
    MessageItem
    | FunctionCallItem
    | FunctionCallOutputItem
    | CustomToolCallItem
    | CustomToolCallOutputItem
    | ReasoningItem
    | WebSearchCallItem
)
"""Any item of a thread's history."""

ITEM_TYPES = frozenset(
    {
        "message",
        "function_call",
        "function_call_output",
        "custom_tool_call",
        "custom_tool_call_output",
        "reasoning",
        "web_search_call",
    }
)


def is_item(value: Any) -> TypeGuard[ResponseItem]:
    """Whether `value` (e.g. a record read back from disk) has a known item shape."""
    return isinstance(value, dict) and value.get("type") in ITEM_TYPES


def user_message(text: str) -> MessageItem:
    """A user turn."""
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def developer_message(text: str) -> MessageItem:
    """Instructions as Codex sends them to the OpenAI provider (no `instructions` field)."""
    return {
        "type": "message",
        "role": "developer",
        "content": [{"type": "input_text", "text": text}],
    }


def assistant_message(text: str) -> MessageItem:
    """The model's answer."""
    return {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text}],
    }


def function_call(call_id: str, name: str, arguments: str) -> FunctionCallItem:
    """Echo of a model's function call."""
    return {"type": "function_call", "call_id": call_id, "name": name, "arguments": arguments}


def function_call_output(call_id: str, output: str | list[OutputContent]) -> FunctionCallOutputItem:
    """A tool's result for the model."""
    return {"type": "function_call_output", "call_id": call_id, "output": output}


def custom_tool_call(call_id: str, name: str, input_text: str) -> CustomToolCallItem:
    """Echo of a model's freeform tool call."""
    return {"type": "custom_tool_call", "call_id": call_id, "name": name, "input": input_text}


def custom_tool_call_output(call_id: str, output: str) -> CustomToolCallOutputItem:
    """A freeform tool's result for the model."""
    return {"type": "custom_tool_call_output", "call_id": call_id, "output": output}


def reasoning_item(raw: dict[str, Any]) -> ReasoningItem | None:
    """A reasoning output item as history keeps it (no `id`/`status`); None if malformed."""
    summary = raw.get("summary")
    if not isinstance(summary, list):
        return None
    parts: list[SummaryText] = [
        {"type": "summary_text", "text": str(p.get("text", ""))}
        for p in summary
        if isinstance(p, dict)
    ]
    item: ReasoningItem = {"type": "reasoning", "summary": parts}
    content = raw.get("content")
    if isinstance(content, list):
        item["content"] = [
            {"type": "reasoning_text", "text": str(p.get("text", ""))}
            for p in content
            if isinstance(p, dict)
        ]
    encrypted = raw.get("encrypted_content")
    if isinstance(encrypted, str):
        item["encrypted_content"] = encrypted
    return item


CALL_TYPES = frozenset({"function_call", "custom_tool_call"})
OUTPUT_TYPES = frozenset({"function_call_output", "custom_tool_call_output"})


def message_text(item: ResponseItem) -> str:
    """The text of a message item (empty for other items)."""
    if item["type"] != "message":
        return ""
    return "".join(part["text"] for part in item["content"] if part["type"] != "input_image")
