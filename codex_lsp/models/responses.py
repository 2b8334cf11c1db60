"""OpenAI Responses API client (`POST {base_url}/responses`, streamed over SSE).

Event names and shapes follow what the real Codex CLI sends and accepts; see
`response.output_text.delta`, `response.output_item.done` (function calls),
`response.completed` and `response.failed`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from httpx_sse import EventSource, SSEError

from codex_lsp.models.base import (
    Completed,
    ModelError,
    ModelEvent,
    ModelRequest,
    TextDelta,
    ToolCall,
)
from codex_lsp.models.endpoint import Endpoint
from codex_lsp.models.errors import http_error, transport_error
from codex_lsp.models.retry import with_retries


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


class ResponsesClient:
    """Streams Responses API turns with Codex's retry behaviour."""

    def __init__(self, endpoint: Endpoint, http: httpx.AsyncClient | None = None) -> None:
        self.endpoint = endpoint
        self._http = http or endpoint.new_http_client()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        async for event in with_retries(lambda: self._attempt(request), self.endpoint.retry):
            yield event

    async def _attempt(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        ep = self.endpoint
        started = False
        try:
            async with self._http.stream(
                "POST",
                ep.url("/responses"),
                json=build_body(request),
                headers={"Accept": "text/event-stream"},
            ) as response:
                if response.status_code >= 400:
                    body = await response.aread()
                    raise http_error(
                        response.status_code,
                        body,
                        response.headers,
                        base_url=ep.base_url,
                        model=request.model,
                        key_hint=ep.key_hint,
                    )
                completed = False
                async for sse in EventSource(response).aiter_sse():
                    started = True
                    if not sse.data or sse.data == "[DONE]":
                        continue
                    try:
                        data = json.loads(sse.data)
                    except ValueError as exc:
                        raise ModelError(
                            f"The model server sent malformed JSON in event {sse.event!r}: {exc}"
                        ) from exc
                    kind = data.get("type") or sse.event
                    event = _translate(kind, data)
                    if event is None:
                        continue
                    yield event
                    if isinstance(event, Completed):
                        completed = True
                        break
                if not completed:
                    raise ModelError(
                        f"The stream from {ep.base_url} ended before response.completed.",
                        retryable=True,
                        stream_started=started,
                    )
        except ModelError:
            raise
        except SSEError as exc:
            raise ModelError(
                f"The model server at {ep.base_url} did not answer with an event stream: {exc}"
            ) from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise transport_error(exc, base_url=ep.base_url, stream_started=started) from exc


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
