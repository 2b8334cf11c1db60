"""OpenAI Chat Completions client (`POST {base_url}/chat/completions`, streamed over SSE).

For providers configured with `wire_api = "chat"`: Ollama, vLLM, LM Studio, llama.cpp,
OpenRouter, Azure OpenAI (whose `api-version` comes from `query_params`). The agent keeps
its history as Responses input items; `chat_request` translates them.

The stream is `data: <chunk>` events ending with `data: [DONE]`. `delta.content` becomes
`TextDelta`s; `delta.tool_calls` fragments are joined by `index` (id and name are taken from
the first fragment that carries them, later fragments only add `arguments`, since some
servers repeat id and name in every fragment) and emitted as `ToolCall`s when a
`finish_reason` arrives (or at `[DONE]`). The `usage` chunk (requested with
`stream_options.include_usage`) is reported in the Responses shape (`input_tokens`,
`output_tokens`, `total_tokens`, ...) so the rest of the agent sees one usage format.

Leniencies for local servers:

* `tools`/`tool_choice` are left out when no tool is offered (OpenAI rejects an empty list);
* a stream that closes after a `finish_reason` but without `[DONE]` counts as complete;
* a server that ignores `stream: true` and answers one JSON `chat.completion` is accepted;
* `delta.reasoning_content` / `delta.reasoning` (thinking models) is reasoning, shown apart
  from the answer;
* a server that rejects `stream_options` is asked again without it;
* a call without an id gets a generated one.

Small local models often write a tool call as plain JSON text instead of using
`tool_calls`. That text is kept as the model's answer (nothing is run), and a warning is
logged naming the likely cause: the model or server lacks native tool calling (Ollama: a
model with the "tools" capability; llama.cpp: `llama-server --jinja`; vLLM:
`--enable-auto-tool-choice --tool-call-parser ...`).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import EventSource

from codex_lsp.models.base import (
    Completed,
    ModelError,
    ModelEvent,
    ModelRequest,
    ReasoningDelta,
    TextDelta,
    ToolCall,
)
from codex_lsp.models.chat_request import build_body, build_messages
from codex_lsp.models.http_stream import (
    StreamingClient,
    StreamProgress,
    parse_event_data,
    parse_json_object,
)

log = logging.getLogger(__name__)

_RETRYABLE_CODES = {"server_error", "rate_limit_exceeded", "overloaded", "internal_error"}
_TOOL_HINT = (
    " (the server may not support tool calling for this model: vLLM needs "
    "--enable-auto-tool-choice and --tool-call-parser, llama.cpp needs --jinja)"
)


# --------------------------------------------------------------------------------------------
# Response
# --------------------------------------------------------------------------------------------


@dataclass
class _PartialCall:
    call_id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class _StreamState:
    """What one streamed answer has produced so far."""

    calls: dict[int, _PartialCall] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)
    emitted_calls: int = 0
    finish_reason: str | None = None
    done: bool = False
    usage: dict[str, Any] | None = None
    response_id: str | None = None

    def add_fragment(self, frag: dict[str, Any]) -> None:
        """Fold one `delta.tool_calls[]` fragment into its call."""
        fid = frag.get("id") if isinstance(frag.get("id"), str) and frag.get("id") else None
        index = frag.get("index")
        if not isinstance(index, int):
            # Servers that omit `index`: a new id starts a call, otherwise continue the last.
            known = {c.call_id: i for i, c in self.calls.items() if c.call_id}
            if fid is not None and fid in known:
                index = known[fid]
            elif fid is not None or not self.calls:
                index = max(self.calls, default=-1) + 1
            else:
                index = max(self.calls)
        call = self.calls.setdefault(index, _PartialCall())
        if fid is not None and not call.call_id:
            call.call_id = fid
        fn = frag.get("function")
        if not isinstance(fn, dict):
            return
        name = fn.get("name")
        if isinstance(name, str) and name and not call.name:
            call.name = name
        args = fn.get("arguments")
        if isinstance(args, str):
            call.arguments.append(args)
        elif args is not None:  # some servers send the arguments as a JSON object
            call.arguments = [json.dumps(args)]

    def flush_calls(self) -> Iterator[ToolCall]:
        """The calls gathered so far, in index order, then forget them."""
        for index in sorted(self.calls):
            call = self.calls[index]
            if not call.name:
                log.warning("chat: the model sent a tool call without a function name")
            self.emitted_calls += 1
            yield ToolCall(
                call_id=call.call_id or f"call_{uuid.uuid4().hex[:24]}",
                name=call.name,
                arguments="".join(call.arguments),
            )
        self.calls.clear()


def chat_usage(usage: Any) -> dict[str, Any] | None:
    """Chat `usage` (`prompt_tokens`, ...) in the Responses shape (`input_tokens`, ...)."""
    if not isinstance(usage, dict):
        return None

    def num(value: Any) -> int:
        return int(value) if isinstance(value, int | float) else 0

    prompt = num(usage.get("prompt_tokens"))
    completion = num(usage.get("completion_tokens"))
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": num(prompt_details.get("cached_tokens"))},
        "output_tokens": completion,
        "output_tokens_details": {
            "reasoning_tokens": num(completion_details.get("reasoning_tokens"))
        },
        "total_tokens": num(usage.get("total_tokens")) or prompt + completion,
    }


def _chunk_error(err: Any, base_url: str) -> ModelError:
    """A ModelError for an `error` object the server put in the stream (or a 200 body)."""
    if isinstance(err, dict):
        message = err.get("message") or json.dumps(err)
        code = err.get("code")
        etype = err.get("type")
    else:
        message, code, etype = str(err), None, None
    # A string code is the most specific hint; some servers put an HTTP status in `code`.
    if isinstance(code, str) and code:
        retryable = code in _RETRYABLE_CODES
    elif isinstance(code, int):
        retryable = code == 429 or code >= 500
    else:
        retryable = etype in _RETRYABLE_CODES
    return ModelError(
        f"The model server at {base_url} reported an error: {message}",
        retryable=retryable,
        stream_started=True,
    )


_FENCE = re.compile(r"^```[a-zA-Z]*\s*(.*?)\s*```$", re.DOTALL)


def looks_like_tool_call(text: str) -> bool:
    """Whether an answer is a tool call written as text (JSON or `<tool_call>` tags)."""
    stripped = text.strip()
    if not stripped:
        return False
    if "<tool_call>" in stripped or "<|tool_call" in stripped:
        return True
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group(1)
    try:
        data = json.loads(stripped)
    except ValueError:
        return False
    candidates = data if isinstance(data, list) else [data]
    for obj in candidates:
        if not isinstance(obj, dict):
            return False
        fn = obj.get("function")
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            continue
        if isinstance(obj.get("name"), str) and ("arguments" in obj or "parameters" in obj):
            continue
        return False
    return bool(candidates)


def _warn_text_tool_call(state: _StreamState, model: str) -> None:
    if state.emitted_calls == 0 and looks_like_tool_call("".join(state.text)):
        log.warning(
            "model %r answered with text that looks like a tool call but sent no tool_calls; "
            "the text is kept as its answer and nothing was run. The model or server probably "
            "lacks native tool calling (Ollama: use a model with the 'tools' capability; "
            "llama.cpp: start llama-server with --jinja; vLLM: --enable-auto-tool-choice "
            "--tool-call-parser ...).",
            model,
        )


def _handle_chunk(chunk: dict[str, Any], state: _StreamState) -> Iterator[ModelEvent]:
    """Events for one `chat.completion.chunk`."""
    if isinstance(chunk.get("id"), str):
        state.response_id = chunk["id"]
    if chunk.get("usage"):
        state.usage = chat_usage(chunk["usage"])
    for choice in chunk.get("choices") or []:
        if not isinstance(choice, dict) or choice.get("index", 0) not in (0, None):
            continue
        delta = choice.get("delta") or {}
        thinking = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(thinking, str) and thinking:
            yield ReasoningDelta(thinking)
        content = delta.get("content")
        if isinstance(content, str) and content:
            state.text.append(content)
            yield TextDelta(content)
        for frag in delta.get("tool_calls") or []:
            if isinstance(frag, dict):
                state.add_fragment(frag)
        finish = choice.get("finish_reason")
        if finish:
            state.finish_reason = str(finish)
            if finish == "length":
                log.warning("chat: the answer was cut at the model's max_tokens/context limit")
            elif finish == "content_filter":
                log.warning("chat: the answer was stopped by the provider's content filter")
            yield from state.flush_calls()


def _handle_completion(obj: dict[str, Any], state: _StreamState) -> Iterator[ModelEvent]:
    """Events for a whole (non-streamed) `chat.completion` object."""
    if isinstance(obj.get("id"), str):
        state.response_id = obj["id"]
    state.usage = chat_usage(obj.get("usage"))
    choices = obj.get("choices") or []
    choice = choices[0] if choices and isinstance(choices[0], dict) else {}
    message = choice.get("message") or {}
    content = message.get("content")
    if isinstance(content, str) and content:
        state.text.append(content)
        yield TextDelta(content)
    for index, call in enumerate(message.get("tool_calls") or []):
        if isinstance(call, dict):
            state.add_fragment({"index": index, **call})
    state.finish_reason = str(choice.get("finish_reason") or "stop")
    yield from state.flush_calls()


class ChatClient(StreamingClient):
    """Streams Chat Completions turns with Codex's retry behaviour."""

    path = "/chat/completions"
    stream_options = True
    """False once the server refused `stream_options` (then usage is not asked for)."""

    response_format = True
    """False once the server refused `response_format` (the prompt then asks for JSON)."""

    def build_body(self, request: ModelRequest) -> dict[str, Any]:
        return build_body(request, self.stream_options, self.response_format)

    def refine_http_error(self, error: ModelError, request: ModelRequest) -> ModelError:
        if (
            error.status in (400, 422)
            and self.response_format
            and request.output_schema is not None
            and ("response_format" in error.message or "json_schema" in error.message)
        ):
            self.response_format = False
            log.info("chat: %s refused response_format; asking in words", self.endpoint.base_url)
            return ModelError(error.message, status=error.status, retryable=True, retry_after=0)
        if error.status in (400, 422) and self.stream_options and "stream_options" in error.message:
            self.stream_options = False
            log.info("chat: %s refused stream_options; asking without", self.endpoint.base_url)
            return ModelError(error.message, status=error.status, retryable=True, retry_after=0)
        if error.status == 400 and request.tools and "tool" in error.message:
            return ModelError(error.message + _TOOL_HINT, status=400)
        return error

    async def events(
        self, response: httpx.Response, request: ModelRequest, progress: StreamProgress
    ) -> AsyncIterator[ModelEvent]:
        """Chunks until `[DONE]`, or one JSON completion from servers that ignore streaming."""
        base_url = self.endpoint.base_url
        state = _StreamState()
        ctype = response.headers.get("content-type", "").partition(";")[0].strip()
        if ctype == "application/json":
            # A server that ignored `stream: true` and sent the whole completion.
            obj = parse_json_object(await response.aread(), "response body")
            if obj.get("error"):
                raise _chunk_error(obj["error"], base_url)
            for event in _handle_completion(obj, state):
                yield event
            state.done = True
        else:
            try:
                async for sse in EventSource(response).aiter_sse():
                    progress.started = True
                    data = sse.data.strip()
                    if not data:
                        continue
                    if data == "[DONE]":
                        state.done = True
                        break
                    chunk = parse_event_data(data, sse.event)
                    if chunk is None:
                        continue
                    if chunk.get("error") or sse.event == "error":
                        raise _chunk_error(chunk.get("error") or chunk, base_url)
                    for event in _handle_chunk(chunk, state):
                        yield event
            except (httpx.TransportError, httpx.StreamError) as exc:
                if state.finish_reason is None:
                    raise
                # The answer was complete; only [DONE] (and maybe usage) was lost.
                log.info("chat: stream from %s broke after finish_reason: %s", base_url, exc)
        if not state.done and state.finish_reason is None:
            if not progress.started:
                message = (
                    f"The model server at {base_url} answered with an empty stream "
                    "(llama-cpp-python's server does this for streamed requests with tools)."
                )
            else:
                message = f"The stream from {base_url} ended before [DONE]."
            raise ModelError(message, retryable=True, stream_started=progress.started)
        for event in state.flush_calls():
            yield event
        _warn_text_tool_call(state, request.model)
        yield Completed(response_id=state.response_id, usage=state.usage)


__all__ = ["ChatClient", "build_body", "build_messages", "chat_usage", "looks_like_tool_call"]
