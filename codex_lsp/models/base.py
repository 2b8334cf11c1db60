"""The small contract every wire API (Responses, Chat Completions) implements.

The agent only sees `ModelRequest` going in and `ModelEvent`s coming out, so a
provider can be swapped without touching the turn loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from codex_lsp.core.items import ResponseItem
from codex_lsp.redact import redact


@dataclass(frozen=True)
class ToolSpec:
    """A tool offered to the model: a function (JSON `parameters`) or a freeform tool.

    A freeform (Responses `custom`) tool has a `grammar` (Lark) instead: the model
    answers with raw text, not JSON arguments.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    grammar: str | None = None


@dataclass
class TurnContext:
    """State shared by the requests of one turn (not of one request).

    `turn_state` is the ChatGPT backend's `x-codex-turn-state` header: captured
    from the turn's first response and sent back on its later requests.
    """

    turn_state: str | None = None


@dataclass(frozen=True)
class ModelRequest:
    """One round trip to the model: instructions, the conversation so far, the tools."""

    model: str
    instructions: str
    input: list[ResponseItem]
    tools: list[ToolSpec] = field(default_factory=list)
    reasoning_effort: str | None = None
    """None: reasoning off (no `reasoning`, no encrypted reasoning asked for)."""
    reasoning_summary: str | None = None
    verbosity: str | None = None
    service_tier: str | None = None
    prompt_cache_key: str | None = None
    """The thread id: requests of one thread share a cached prefix."""
    max_output_tokens: int | None = None
    """Chat Completions only (`max_tokens`); the Responses API gets none, as from Codex."""
    headers: dict[str, str] = field(default_factory=dict)
    """Per-request headers (session id, originator, User-Agent, version)."""
    turn: TurnContext | None = field(default=None, compare=False)
    output_schema: dict[str, Any] | None = None
    """Structured output: the answer is JSON following this strict schema."""
    output_schema_name: str = "codex_output_schema"
    context: list[ResponseItem] = field(default_factory=list)
    """Codex's envelope only: the permissions and environment messages after the prompt."""
    metadata: dict[str, str] = field(default_factory=dict)
    """Codex's envelope only: the Responses `client_metadata` (turn and thread ids)."""
    parallel_tool_calls: bool = False
    """Whether the model may call several tools in one response (run in order here)."""
    hosted_tools: list[dict[str, Any]] = field(default_factory=list)
    """Responses only: tools the API runs itself (`web_search`), sent after `tools`."""


@dataclass(frozen=True)
class TextDelta:
    """A piece of the assistant's visible answer."""

    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of the model's reasoning summary: shown apart, never part of the answer."""

    text: str


@dataclass(frozen=True)
class ToolCall:
    """A complete tool call the model wants us to run.

    `custom` marks a freeform tool call: `arguments` is then the raw `input` text.
    """

    call_id: str
    name: str
    arguments: str
    custom: bool = False


@dataclass(frozen=True)
class OutputItem:
    """An output item to keep in history as received (a reasoning item, minus its id)."""

    item: ResponseItem


@dataclass(frozen=True)
class WebSearchCall:
    """A built-in web search: started (`done` false) or finished (the whole output item)."""

    item: dict[str, Any]
    done: bool


@dataclass(frozen=True)
class RateLimits:
    """The provider's usage-limit windows, from response headers (`x-codex-*`)."""

    windows: dict[str, dict[str, float]]


@dataclass(frozen=True)
class Completed:
    """The model finished this response; `output` holds the items to keep in history."""

    response_id: str | None
    usage: dict[str, Any] | None = None


@dataclass(frozen=True)
class StreamRestart:
    """The previous attempt's partial output is void; a new attempt starts."""

    reason: str
    attempt: int


ModelEvent = (
    TextDelta
    | ReasoningDelta
    | ToolCall
    | OutputItem
    | WebSearchCall
    | RateLimits
    | Completed
    | StreamRestart
)


class ModelError(Exception):
    """A failure talking to the model, worded for the user.

    `retryable` marks transient failures (429, 5xx, dropped streams) that the
    retry policy may try again; `retry_after` carries the server's hint in seconds.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        stream_started: bool = False,
    ) -> None:
        message = redact(message)  # a server may echo the key back in its error body
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.stream_started = stream_started


class ModelClient(Protocol):
    """Streams one model response for a request."""

    def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        """Yield events until the response completes; raise `ModelError` on failure."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP connection pool."""
        ...
