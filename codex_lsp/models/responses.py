"""OpenAI Responses API client (`POST {base_url}/responses`, streamed over SSE).

Requests are built as Codex builds them: `store: false`; with reasoning on,
`reasoning: {effort, summary}` and `include: ["reasoning.encrypted_content"]` so the
reasoning items can be replayed; no item ids; `prompt_cache_key` = the thread id;
never `temperature`, `top_p` or `max_output_tokens`. Structured output (a review's
findings) goes in `text.format` (`json_schema`, strict), next to `text.verbosity`.

Stream events handled (OpenAI's Responses streaming reference): text deltas,
reasoning summary deltas and parts, `response.output_item.done` for
`function_call`, `custom_tool_call` and `reasoning` items, `web_search_call` items
(`response.output_item.added` and `.done`: the built-in search started and ended;
the `response.web_search_call.*` status events add nothing to those),
`response.completed` (usage), `response.failed` / `response.incomplete` / `error`.
Other events and output item types (messages arrive as deltas) are ignored, never fatal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from httpx_sse import EventSource

from codex_lsp.core.items import developer_message, reasoning_item
from codex_lsp.models.base import (
    Completed,
    ModelError,
    ModelEvent,
    ModelRequest,
    OutputItem,
    ReasoningDelta,
    TextDelta,
    ToolCall,
    ToolSpec,
    WebSearchCall,
)
from codex_lsp.models.http_stream import StreamingClient, StreamProgress, parse_event_data
from codex_lsp.models.limits import usage_limit_message

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

RETRYABLE_CODES = {"server_error", "rate_limit_exceeded", "overloaded"}


def tool_json(tool: ToolSpec) -> dict[str, Any]:
    """A tool as the Responses API declares it: `function`, or `custom` with a grammar."""
    if tool.grammar is not None:
        return {
            "type": "custom",
            "name": tool.name,
            "description": tool.description,
            "format": {"type": "grammar", "syntax": "lark", "definition": tool.grammar},
        }
    return {
        "type": "function",
        "name": tool.name,
        "description": tool.description,
        "strict": False,
        "parameters": tool.parameters,
    }


def _input(request: ModelRequest, envelope: bool) -> list[dict[str, Any]]:
    """The conversation; in Codex's envelope led by the prompt and the turn's context."""
    items: list[Any] = list(request.input)
    if envelope:
        items = [developer_message(request.instructions), *request.context, *items]
    return [{k: v for k, v in item.items() if k != "id"} for item in items]


def build_body(request: ModelRequest, envelope: bool = False) -> dict[str, Any]:
    """The JSON body of a streamed Responses request (key order as Codex sends it).

    `envelope`: Codex 0.169's shape for the OpenAI provider (see `uses_codex_envelope`):
    no `instructions`, the prompt as a developer message, `client_metadata`.
    """
    body: dict[str, Any] = {"model": request.model}
    if not envelope:
        body["instructions"] = request.instructions
    body["input"] = _input(request, envelope)
    body["tools"] = [*(tool_json(t) for t in request.tools), *request.hosted_tools]
    body["tool_choice"] = "auto"
    body["parallel_tool_calls"] = request.parallel_tool_calls
    if request.reasoning_effort:
        reasoning: dict[str, str] = {"effort": request.reasoning_effort}
        if request.reasoning_summary:
            reasoning["summary"] = request.reasoning_summary
        body["reasoning"] = reasoning
    body["store"] = False
    body["stream"] = True
    body["include"] = ["reasoning.encrypted_content"] if request.reasoning_effort else []
    if request.service_tier:
        body["service_tier"] = request.service_tier
    if request.prompt_cache_key:
        body["prompt_cache_key"] = request.prompt_cache_key
    text: dict[str, Any] = {}
    if request.verbosity:
        text["verbosity"] = request.verbosity
    if request.output_schema is not None:
        text["format"] = {
            "type": "json_schema",
            "strict": True,
            "schema": request.output_schema,
            "name": request.output_schema_name,
        }
    if text:
        body["text"] = text
    if envelope and request.metadata:
        body["client_metadata"] = dict(request.metadata)
    return body


class ResponsesClient(StreamingClient):
    """Streams Responses API turns with Codex's retry behaviour."""

    path = "/responses"

    def build_body(self, request: ModelRequest) -> dict[str, Any]:
        return build_body(request, self.endpoint.codex_envelope)

    async def events(
        self, response: httpx.Response, request: ModelRequest, progress: StreamProgress
    ) -> AsyncIterator[ModelEvent]:
        """SSE events until `response.completed`; an early end is a retryable drop."""
        async for sse in EventSource(response).aiter_sse():
            progress.started = True
            if not sse.data or sse.data == "[DONE]":
                continue
            data = parse_event_data(sse.data, sse.event)
            if data is None:
                continue
            event = _translate(data.get("type") or sse.event, data)
            if event is None:
                continue
            yield event
            if isinstance(event, Completed):
                return
        raise ModelError(
            f"The stream from {self.endpoint.base_url} ended before response.completed.",
            retryable=True,
            stream_started=progress.started,
        )


def _translate(kind: str, data: dict[str, Any]) -> ModelEvent | None:
    if kind == "response.output_text.delta":
        delta = data.get("delta")
        return TextDelta(delta) if isinstance(delta, str) and delta else None
    if kind == "response.reasoning_summary_text.delta":
        delta = data.get("delta")
        return ReasoningDelta(delta) if isinstance(delta, str) and delta else None
    if kind == "response.reasoning_summary_part.added":
        # A new summary section: a paragraph break between sections.
        index = data.get("summary_index")
        return ReasoningDelta("\n\n") if isinstance(index, int) and index > 0 else None
    if kind in ("response.output_item.added", "response.output_item.done"):
        item = data.get("item")
        if isinstance(item, dict) and item.get("type") == "web_search_call":
            return WebSearchCall(item, done=kind.endswith(".done"))
        if kind.endswith(".added"):
            return None
        return _output_item(item) if isinstance(item, dict) else None
    if kind == "response.completed":
        resp = data.get("response") or {}
        return Completed(response_id=resp.get("id"), usage=resp.get("usage"))
    if kind in ("response.failed", "response.incomplete"):
        raise _failure(data.get("response") or {})
    if kind == "error":
        err = data.get("error")
        err = err if isinstance(err, dict) else data
        limit = usage_limit_message(err)
        raise ModelError(limit or f"The model server reported an error: {err.get('message', err)}")
    return None


def _output_item(item: dict[str, Any]) -> ModelEvent | None:
    kind = item.get("type")
    if kind in ("function_call", "custom_tool_call"):
        custom = kind == "custom_tool_call"  # freeform: raw `input`, not JSON `arguments`
        raw = item.get("input" if custom else "arguments", "")
        return ToolCall(
            call_id=str(item.get("call_id") or item.get("id") or ""),
            name=str(item.get("name", "")),
            arguments=raw if isinstance(raw, str) else json.dumps(raw),
            custom=custom,
        )
    if kind == "reasoning":
        kept = reasoning_item(item)
        return OutputItem(kept) if kept is not None else None
    if kind != "message":
        log.debug("responses: output item of type %r ignored", kind)
    return None


def _failure(resp: dict[str, Any]) -> ModelError:
    err = resp.get("error") or {}
    limit = usage_limit_message(err) if isinstance(err, dict) else None
    if limit is not None:
        return ModelError(limit)
    reason = err.get("message") or (resp.get("incomplete_details") or {}).get("reason")
    retryable = err.get("code") in RETRYABLE_CODES
    return ModelError(f"The model failed: {reason or 'unknown error'}", retryable=retryable)
