"""A scripted, in-memory `ModelClient` for fast tests of the agent core (no HTTP, no sockets).

Each call to `stream` consumes one scripted *response* and yields the events the real
Responses client yields for it (`TextDelta`, `ToolCall`, then `Completed`), so the turn
loop cannot tell the difference. Failures are `ModelError`s worded like the real ones;
the real retry policy (`codex_lsp.models.retry.with_retries`, without delays) wraps
the attempts, so a retryable failure is retried with the next scripted response and a
stream dropped part-way yields `StreamRestart`, exactly as over HTTP.

    model = ScriptedModel(
        reply(call("read_file", {"path": "a.py"})),
        reply(text("All "), text("done.")),
    )
    ...  # Agent(..., client_factory=lambda loaded: model)
    first, second = model.requests

Every attempt is recorded in `requests` (a deep copy of the `ModelRequest`), so a test
asserts what the model was sent. A script that runs out fails the test loudly.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from codex_lsp.models.base import (
    Completed,
    ModelError,
    ModelEvent,
    ModelRequest,
    TextDelta,
    ToolCall,
)
from codex_lsp.models.retry import RetryPolicy, with_retries

__all__ = [
    "Fail",
    "Hold",
    "Response",
    "ScriptedModel",
    "call",
    "fail",
    "reply",
    "text",
]

_call_ids = itertools.count(1)


@dataclass(frozen=True)
class Fail:
    """End the response with a `ModelError` (as the real client raises it)."""

    message: str
    retryable: bool = False
    status: int | None = None


@dataclass(frozen=True)
class Hold:
    """Stop streaming here until the consumer cancels (sets `ScriptedModel.holding`)."""


Step = TextDelta | ToolCall | Fail | Hold


@dataclass(frozen=True)
class Response:
    """One scripted model response: its steps, then `Completed` unless a step ends it."""

    steps: tuple[Step, ...]
    response_id: str | None = None
    usage: dict[str, Any] | None = None


def text(delta: str) -> TextDelta:
    """A piece of the visible answer (`response.output_text.delta`)."""
    return TextDelta(delta)


def call(name: str, arguments: dict[str, Any] | str, call_id: str | None = None) -> ToolCall:
    """A function call (`response.output_item.done`); dict arguments are JSON-encoded."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return ToolCall(call_id or f"call_{next(_call_ids)}", name, args)


def fail(message: str, *, retryable: bool = False, status: int | None = None) -> Fail:
    """A model failure; retryable ones (429, 5xx, drops) go through the retry policy."""
    return Fail(message, retryable, status)


def reply(
    *steps: Step, response_id: str | None = None, usage: dict[str, Any] | None = None
) -> Response:
    """A response made of `steps`."""
    return Response(tuple(steps), response_id, usage)


class ScriptedModel:
    """`ModelClient` that plays scripted responses in order and records every request.

    `holding` is set when a `Hold` step is reached (the stream then waits to be
    cancelled); `streams_closed` counts attempts whose generator was finalised
    (completed, failed or cancelled); `closed` says whether `aclose` was called.
    """

    def __init__(self, *responses: Response, retry: RetryPolicy | None = None) -> None:
        self.responses: deque[Response] = deque(responses)
        self.retry = retry or RetryPolicy(request_max_retries=2, stream_max_retries=2, base_delay=0)
        self.requests: list[ModelRequest] = []
        self.holding = asyncio.Event()
        self.streams_closed = 0
        self.closed = False

    def script(self, *responses: Response) -> None:
        """Queue more responses (for a later turn)."""
        self.responses.extend(responses)

    @property
    def pending(self) -> int:
        """Responses not consumed yet (a test usually expects 0 at the end)."""
        return len(self.responses)

    def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        """Yield the next response's events; see the module docstring."""
        return with_retries(lambda: self._attempt(request), self.retry)

    async def aclose(self) -> None:
        """Nothing to release; remembered so tests can check the engine closes its client."""
        self.closed = True

    async def _attempt(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        self.requests.append(copy.deepcopy(request))
        if not self.responses:
            raise AssertionError(
                f"ScriptedModel: no response scripted for request {len(self.requests)}"
            )
        response = self.responses.popleft()
        started = False
        try:
            for step in response.steps:
                if isinstance(step, Fail):
                    raise ModelError(
                        step.message,
                        status=step.status,
                        retryable=step.retryable,
                        stream_started=started,
                    )
                if isinstance(step, Hold):
                    self.holding.set()
                    await asyncio.Event().wait()  # until cancelled
                    continue
                started = True
                yield step
            yield Completed(response.response_id, response.usage)
        finally:
            self.streams_closed += 1
