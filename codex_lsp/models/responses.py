"""OpenAI Responses API client (`POST {base_url}/responses`, streamed over SSE).

Event names and shapes follow what the real Codex CLI sends and accepts; see
`response.output_text.delta`, `response.output_item.done` (function calls),
`response.completed` and `response.failed`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from httpx_sse import EventSource

from codex_lsp.models.base import (
    Completed,
    ModelError,
    ModelEvent,
    ModelRequest,
    TextDelta,
    ToolCall,
)
from codex_lsp.models.http_stream import StreamingClient, StreamProgress, parse_event_data

if TYPE_CHECKING:
    import httpx


def build_body(request: ModelRequest) -> dict[str, Any]:
    """The JSON body of a streamed Responses request."""
    body: dict[str, Any] = {
        "model": request.model,
        "instructions": request.instructions,
        "input": request.input,
        "tools": [
            {
                "type": "function",
                "name": t.name,
                "description": t.description,
                "parameters": t.parameters,
                "strict": False,
            }
            for t in request.tools
        ],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "stream": True,
        "store": False,
    }
    if request.reasoning_effort:
        body["reasoning"] = {"effort": request.reasoning_effort}
    return body


class ResponsesClient(StreamingClient):
    """Streams Responses API turns with Codex's retry behaviour."""

    path = "/responses"

    def build_body(self, request: ModelRequest) -> dict[str, Any]:
        return build_body(request)

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
    if kind == "response.output_item.done":
        item = data.get("item") or {}
        if item.get("type") == "function_call":
            args = item.get("arguments", "")
            if not isinstance(args, str):
                args = json.dumps(args)
            return ToolCall(
                call_id=str(item.get("call_id") or item.get("id") or ""),
                name=str(item.get("name", "")),
                arguments=args,
            )
        return None
    if kind == "response.completed":
        resp = data.get("response") or {}
        return Completed(response_id=resp.get("id"), usage=resp.get("usage"))
    if kind == "response.failed" or kind == "response.incomplete":
        resp = data.get("response") or {}
        err = resp.get("error") or {}
        reason = err.get("message") or (resp.get("incomplete_details") or {}).get("reason")
        code = err.get("code")
        retryable = code in {"server_error", "rate_limit_exceeded", "overloaded"}
        raise ModelError(f"The model failed: {reason or 'unknown error'}", retryable=retryable)
    if kind == "error":
        err = data.get("error")
        message = err.get("message", data) if isinstance(err, dict) else data.get("message", data)
        raise ModelError(f"The model server reported an error: {message}")
    return None
