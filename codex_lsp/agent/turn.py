"""One turn: prompt -> stream the model -> run its tool calls -> send outputs -> repeat.

The loop ends when the model answers without tool calls, when a tool ends the
turn (a rejected or refused edit), when the step cap is hit, or on cancel.
History stays well-formed in every case: each function call gets an output.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from codex_lsp.agent.compact import compact, estimate_tokens
from codex_lsp.agent.thread import Thread
from codex_lsp.core.items import assistant_message, function_call, function_call_output
from codex_lsp.core.protocol import AgentText, Notice, TextReset, ToolStep, TurnStatus
from codex_lsp.models.base import (
    Completed,
    ModelClient,
    ModelError,
    ModelRequest,
    TextDelta,
    ToolCall,
    TurnContext,
)
from codex_lsp.models.retry import StreamRestart
from codex_lsp.tools.base import ToolContext, ToolFailure, TurnEnded
from codex_lsp.tools.registry import ToolRegistry

log = logging.getLogger(__name__)


@dataclass
class TurnResult:
    """How a turn ended, for the command's JSON result."""

    thread_id: str
    status: TurnStatus
    text: str
    error: str | None = None
    changed_files: list[str] = field(default_factory=list)
    usage: dict[str, Any] | None = None


@dataclass(frozen=True)
class TurnSettings:
    """Per-turn knobs from the configuration."""

    model: str
    instructions: str
    max_steps: int = 50
    reasoning_effort: str | None = None
    compact_limit: int = 160_000
    """History size (estimated tokens) above which it is summarised first."""


def _describe_call(name: str, args: dict[str, Any]) -> str:
    if name == "apply_patch":
        files = [
            line.split(":", 1)[1].strip()
            for line in str(args.get("input", "")).splitlines()
            if line.startswith(("*** Update File:", "*** Add File:", "*** Delete File:"))
        ]
        return f"apply_patch {', '.join(files)}" if files else "apply_patch"
    for key in ("path", "pattern", "command"):
        if key in args:
            value = args[key]
            shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
            return f"{name} {shown[:120]}"
    return name


async def run_turn(
    thread: Thread,
    client: ModelClient,
    tools: ToolRegistry,
    ctx: ToolContext,
    settings: TurnSettings,
) -> TurnResult:
    """Run the model until it stops calling tools; see the module docstring."""
    answer: list[str] = []
    usage: dict[str, Any] | None = None
    turn_context = TurnContext()
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
        request = ModelRequest(
            model=settings.model,
            instructions=settings.instructions,
            input=list(thread.history),
            tools=tools.specs(),
            reasoning_effort=settings.reasoning_effort,
            turn=turn_context,
        )
        text_parts: list[str] = []
        calls: list[ToolCall] = []
        try:
            async for event in client.stream(request):
                if isinstance(event, TextDelta):
                    text_parts.append(event.text)
                    await ctx.emit(AgentText(thread.id, event.text))
                elif isinstance(event, ToolCall):
                    calls.append(event)
                elif isinstance(event, StreamRestart):
                    text_parts.clear()
                    calls.clear()
                    await ctx.emit(TextReset(thread.id))
                elif isinstance(event, Completed):
                    usage = event.usage
        except ModelError as err:
            return TurnResult(
                thread.id, "failed", "".join(answer), err.message, list(ctx.changed_files), usage
            )
        text = "".join(text_parts)
        if text:
            answer.append(text)
            thread.add(assistant_message(text))
        if not calls:
            status: TurnStatus = "applied" if ctx.changed_files else "answered"
            return TurnResult(
                thread.id, status, "\n".join(answer), None, list(ctx.changed_files), usage
            )
        ended = await _run_calls(thread, calls, tools, ctx)
        if ended is not None:
            return TurnResult(
                thread.id,
                ended.status,
                "\n".join(answer),
                ended.message if ended.status == "failed" else None,
                list(ctx.changed_files),
                usage,
            )
    return TurnResult(
        thread.id,
        "failed",
        "\n".join(answer),
        f"Stopped after {settings.max_steps} model steps without finishing (max_turn_steps).",
        list(ctx.changed_files),
        usage,
    )


async def _run_calls(
    thread: Thread, calls: list[ToolCall], tools: ToolRegistry, ctx: ToolContext
) -> TurnEnded | None:
    """Run the calls in order; every call gets an output, even on cancel or early end."""
    pending = list(calls)
    try:
        while pending:
            call = pending[0]
            thread.add(function_call(call.call_id, call.name, call.arguments))
            output, ended = await _run_one(call, tools, ctx)
            pending.pop(0)
            thread.add(function_call_output(call.call_id, output))
            if ended is not None:
                for rest in pending:
                    thread.add(function_call(rest.call_id, rest.name, rest.arguments))
                    thread.add(function_call_output(rest.call_id, "skipped: the turn ended"))
                pending.clear()
                return ended
    except asyncio.CancelledError:
        if pending:
            # The running call's function_call is already in history; close it.
            thread.add(function_call_output(pending[0].call_id, "aborted: cancelled by the user"))
            for rest in pending[1:]:
                thread.add(function_call(rest.call_id, rest.name, rest.arguments))
                thread.add(function_call_output(rest.call_id, "aborted: cancelled by the user"))
        raise
    return None


async def _run_one(
    call: ToolCall, tools: ToolRegistry, ctx: ToolContext
) -> tuple[str, TurnEnded | None]:
    tool = tools.get(call.name)
    try:
        args = json.loads(call.arguments or "{}")
    except ValueError as exc:
        return f"Error: arguments are not valid JSON ({exc}); call {call.name} again.", None
    if not isinstance(args, dict):
        return "Error: arguments must be a JSON object.", None
    if tool is None:
        return f"Error: unknown tool {call.name!r}. Available: {', '.join(tools.names())}", None
    detail = _describe_call(call.name, args)
    await ctx.emit(ToolStep(ctx.thread_id, call.name, detail, "begin"))
    try:
        output = await tool.run(ctx, args)
    except ToolFailure as exc:
        await ctx.emit(ToolStep(ctx.thread_id, call.name, f"{detail}: {exc}", "end", ok=False))
        return f"Error: {exc}", None
    except TurnEnded as ended:
        await ctx.emit(ToolStep(ctx.thread_id, call.name, ended.message, "end", ok=False))
        return ended.model_output, ended
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug in a tool must not kill the turn silently
        log.exception("tool %s crashed", call.name)
        await ctx.emit(ToolStep(ctx.thread_id, call.name, f"{detail}: {exc}", "end", ok=False))
        return f"Error: the tool failed unexpectedly: {exc}", None
    await ctx.emit(ToolStep(ctx.thread_id, call.name, detail, "end"))
    return output, None
