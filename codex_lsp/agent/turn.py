"""One turn: prompt -> stream the model -> run its tool calls -> send outputs -> repeat.

The loop ends when the model answers without tool calls, when a tool ends the
turn (a rejected or refused edit), when the step cap is hit, or on cancel.
History stays well-formed in every case: each function call gets an output.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field, replace
from typing import Any

from codex_lsp.agent.compact import compact, estimate_tokens
from codex_lsp.agent.thread import Thread
from codex_lsp.agent.transcript import describe_call, display_output
from codex_lsp.agent.usage import add_usage, empty_usage
from codex_lsp.core.items import (
    ResponseItem,
    assistant_message,
    custom_tool_call,
    custom_tool_call_output,
    function_call,
    function_call_output,
    message_text,
)
from codex_lsp.core.protocol import (
    AgentText,
    Notice,
    RateLimitsUpdate,
    Reasoning,
    TextReset,
    ToolStep,
    TurnStatus,
)
from codex_lsp.models.base import (
    Completed,
    ModelClient,
    ModelError,
    ModelRequest,
    OutputItem,
    RateLimits,
    ReasoningDelta,
    TextDelta,
    ToolCall,
    TurnContext,
    WebSearchCall,
)
from codex_lsp.models.family import WireOptions
from codex_lsp.models.retry import StreamRestart
from codex_lsp.tools.base import ToolContext, ToolFailure, ToolOutput, TurnEnded
from codex_lsp.tools.registry import ToolRegistry
from codex_lsp.tools.web_search import search_event, web_search_item

log = logging.getLogger(__name__)


@dataclass
class TurnResult:
    """How a turn ended, for the command's JSON result."""

    thread_id: str
    status: TurnStatus
    text: str
    error: str | None = None
    changed_files: list[str] = field(default_factory=list)
    usage: dict[str, int] | None = field(default=None, compare=False)
    """This turn's token usage, summed over its model requests (a measure, not an outcome)."""


@dataclass(frozen=True)
class TurnSettings:
    """Per-turn knobs from the configuration."""

    model: str
    instructions: str
    max_steps: int = 50
    wire: WireOptions = field(default_factory=WireOptions)
    compact_limit: int = 160_000
    """History size (estimated tokens) above which it is summarised first."""
    headers: dict[str, str] = field(default_factory=dict)
    """Headers sent with every request of the turn (session id, User-Agent, ...)."""
    output_schema: dict[str, Any] | None = None
    """Structured output for the turn's answers (see `TaskSpec.output_schema`)."""
    output_schema_name: str = "codex_output_schema"
    context: list[ResponseItem] = field(default_factory=list)
    """Permissions and environment messages (sent by Codex's envelope, see agent/context)."""
    metadata: dict[str, str] = field(default_factory=dict)
    """The turn's `client_metadata` (thread and turn ids)."""


Output = ResponseItem | ToolCall
"""What one model response produced, in order: items to keep and calls to run."""


def build_request(
    thread: Thread, tools: ToolRegistry, settings: TurnSettings, turn: TurnContext | None = None
) -> ModelRequest:
    """One request of the turn: the whole history, the thread id as prompt cache key.

    `turn` carries what the backend asks us to send back within one turn
    (`x-codex-turn-state` in ChatGPT mode).
    """
    wire = settings.wire
    return ModelRequest(
        model=settings.model,
        instructions=settings.instructions,
        input=list(thread.history),
        tools=tools.specs(wire.freeform_apply_patch),
        reasoning_effort=wire.reasoning_effort,
        reasoning_summary=wire.reasoning_summary,
        verbosity=wire.verbosity,
        service_tier=wire.service_tier,
        prompt_cache_key=thread.id,
        max_output_tokens=wire.max_output_tokens,
        headers=settings.headers,
        turn=turn,
        output_schema=settings.output_schema,
        output_schema_name=settings.output_schema_name,
        context=settings.context,
        metadata=settings.metadata,
        parallel_tool_calls=wire.parallel_tool_calls,
        hosted_tools=list(wire.hosted_tools),
    )


async def run_turn(
    thread: Thread,
    client: ModelClient,
    tools: ToolRegistry,
    ctx: ToolContext,
    settings: TurnSettings,
) -> TurnResult:
    """Run the model until it stops calling tools; see the module docstring."""
    answer: list[str] = []
    usage = empty_usage()
    turn_context = TurnContext()

    def result(status: TurnStatus, error: str | None = None) -> TurnResult:
        text = "\n".join(answer)
        return TurnResult(thread.id, status, text, error, list(ctx.changed_files), usage)

    for _step in range(settings.max_steps):
        if len(thread.history) > 2 and estimate_tokens(thread.history) > settings.compact_limit:
            await ctx.emit(
                Notice(thread.id, "Compacting the conversation (it nears the context window).")
            )
            try:
                await compact(thread, client, settings.model, settings.instructions)
            except ModelError as err:
                return TurnResult(thread.id, "failed", "", f"Compaction failed: {err.message}")
            if thread.on_compact is not None:
                thread.on_compact(thread.history)
        try:
            request = build_request(thread, tools, settings, turn_context)
            outputs = await _stream_step(thread, client, request, ctx, usage)
        except ModelError as err:
            return result("failed", err.message)
        answer.extend(message_texts(outputs))
        if not any(isinstance(o, ToolCall) for o in outputs):
            for item in outputs:
                if not isinstance(item, ToolCall):
                    thread.add(item)
            return result("applied" if ctx.changed_files else "answered")
        ended = await _run_calls(thread, outputs, tools, ctx)
        if ended is not None:
            return result(ended.status, ended.message if ended.status == "failed" else None)
    return result(
        "failed",
        f"Stopped after {settings.max_steps} model steps without finishing (max_turn_steps).",
    )


def message_texts(outputs: list[Output]) -> list[str]:
    """The answer texts among a response's outputs."""
    texts: list[str] = []
    for item in outputs:
        if not isinstance(item, ToolCall) and item["type"] == "message":
            texts.append(message_text(item))
    return texts


async def _stream_step(
    thread: Thread,
    client: ModelClient,
    request: ModelRequest,
    ctx: ToolContext,
    usage: dict[str, int],
) -> list[Output]:
    """Stream one response; its outputs in the order the model produced them.

    Text deltas become one assistant message placed where the text began, so a
    reasoning item stays right before the message or call it led to.
    """
    outputs: list[Output | list[str]] = []  # a list[str]: one message's text pieces
    text: list[str] | None = None  # the message the next text delta extends
    async for event in client.stream(request):
        if isinstance(event, TextDelta):
            if text is None:
                text = []
                outputs.append(text)
            text.append(event.text)
            await ctx.emit(AgentText(thread.id, event.text))
        elif isinstance(event, ReasoningDelta):
            await ctx.emit(Reasoning(thread.id, event.text))
        elif isinstance(event, ToolCall | OutputItem):
            outputs.append(event if isinstance(event, ToolCall) else event.item)
            text = None
        elif isinstance(event, WebSearchCall):
            await ctx.emit(search_event(thread.id, event.item, event.done))
            if event.done:  # kept in history as Codex keeps it
                outputs.append(web_search_item(event.item))
                text = None
        elif isinstance(event, RateLimits):
            await ctx.emit(RateLimitsUpdate(thread.id, event.windows))
        elif isinstance(event, StreamRestart):
            outputs.clear()
            text = None
            await ctx.emit(TextReset(thread.id))
        elif isinstance(event, Completed):
            add_usage(usage, event.usage)
            thread.add_usage(event.usage)
    # Joined once at the end: a flood of deltas stays linear.
    return [assistant_message("".join(o)) if isinstance(o, list) else o for o in outputs]


def _call_item(call: ToolCall) -> ResponseItem:
    if call.custom:
        return custom_tool_call(call.call_id, call.name, call.arguments)
    return function_call(call.call_id, call.name, call.arguments)


def _output_item(call: ToolCall, output: ToolOutput) -> ResponseItem:
    if call.custom:
        text = output if isinstance(output, str) else display_output(output)[0]
        return custom_tool_call_output(call.call_id, text)
    return function_call_output(call.call_id, output)


async def _run_calls(
    thread: Thread, outputs: list[Output], tools: ToolRegistry, ctx: ToolContext
) -> TurnEnded | None:
    """Keep items and run calls in order; every call gets an output, even on cancel or end."""
    pending = list(outputs)
    ended: TurnEnded | None = None
    try:
        while pending:
            entry = pending[0]
            if not isinstance(entry, ToolCall):
                thread.add(entry)
                pending.pop(0)
                continue
            thread.add(_call_item(entry))
            output: ToolOutput
            if ended is None:
                output, ended = await _run_one(entry, tools, ctx)
            else:
                output = "skipped: the turn ended"
            pending.pop(0)
            thread.add(_output_item(entry, output))
    except asyncio.CancelledError:
        if pending:
            # The running call's item is already in history; close it.
            first = pending.pop(0)
            if isinstance(first, ToolCall):
                thread.add(_output_item(first, "aborted: cancelled by the user"))
            for rest in pending:
                if isinstance(rest, ToolCall):
                    thread.add(_call_item(rest))
                    thread.add(_output_item(rest, "aborted: cancelled by the user"))
                else:
                    thread.add(rest)
        raise
    return ended


async def _run_one(
    call: ToolCall, tools: ToolRegistry, ctx: ToolContext
) -> tuple[ToolOutput, TurnEnded | None]:
    tool = tools.get(call.name)
    try:
        args = {"input": call.arguments} if call.custom else json.loads(call.arguments or "{}")
    except ValueError as exc:
        return f"Error: arguments are not valid JSON ({exc}); call {call.name} again.", None
    if not isinstance(args, dict):
        return "Error: arguments must be a JSON object.", None
    if tool is None:
        return f"Error: unknown tool {call.name!r}. Available: {', '.join(tools.names())}", None
    detail = describe_call(call.name, args)
    cid = call.call_id
    await ctx.emit(ToolStep(ctx.thread_id, call.name, detail, "begin", call_id=cid))
    try:
        output = await tool.run(replace(ctx, call_id=cid), args)
    except ToolFailure as exc:
        failure = f"{detail}: {exc}"
        await ctx.emit(ToolStep(ctx.thread_id, call.name, failure, "end", False, cid, str(exc)))
        return f"Error: {exc}", None
    except TurnEnded as ended:
        await ctx.emit(
            ToolStep(
                ctx.thread_id, call.name, ended.message, "end", False, cid, outcome=ended.status
            )
        )
        return ended.model_output, ended
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug in a tool must not kill the turn silently
        log.exception("tool %s crashed", call.name)
        failure = f"{detail}: {exc}"
        await ctx.emit(ToolStep(ctx.thread_id, call.name, failure, "end", False, cid, str(exc)))
        return f"Error: the tool failed unexpectedly: {exc}", None
    shown, code = display_output(output)
    await ctx.emit(ToolStep(ctx.thread_id, call.name, detail, "end", True, cid, shown, code))
    return output, None
