"""`workspace/executeCommand` handlers: command ids -> agent operations.

Every command answers a JSON object with at least `status`
(`applied` | `rejected` | `answered` | `cancelled` | `failed`) and `threadId`,
plus `error` when it failed. Malformed arguments are a `failed` answer with a
message naming what is wrong; they never crash the server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from codex_lsp import __version__
from codex_lsp.agent import tasks
from codex_lsp.agent.tasks import Selection, TaskSpec
from codex_lsp.agent.transcript import transcript
from codex_lsp.core.items import message_text
from codex_lsp.jsontext import one_line
from codex_lsp.lsp.features import inline_completion as inline
from codex_lsp.lsp.features import pending_decisions as pending_commands
from codex_lsp.lsp.features import review as review_commands
from codex_lsp.lsp.features import sign_in as auth_commands
from codex_lsp.lsp.features.arguments import (
    BadArguments,
    PromptArgs,
    SelectionArgs,
    ThreadArgs,
    argument_object,
    structure,
)
from codex_lsp.lsp.features.failures import report_failure
from codex_lsp.lsp.features.selection import (
    NoInstruction,
    context_from,
    images_from,
    instruction_from,
    selection_from,
)
from codex_lsp.lsp.session.documents import origin_of
from codex_lsp.lsp.session.services import Services
from codex_lsp.lsp.session.turns import failed
from codex_lsp.wire import (
    ADD_DOCSTRING,
    ASK,
    CANCEL,
    CLEAR_FINDINGS,
    EDIT_SELECTION,
    EXPLAIN,
    FINDINGS_SOURCE,
    FIX_DIAGNOSTIC,
    LIST_THREADS,
    LOGIN,
    LOGOUT,
    NEEDS_INSTRUCTION,
    NEW_THREAD,
    RESUME_THREAD,
    REVIEW,
    RUN_TASK,
    STATUS,
    TOGGLE_INLINE_COMPLETION,
    UNDO,
    WRITE_TESTS,
)

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[dict[str, Any]]]

async def _selection_task(
    ctx: Services, args: tuple[Any, ...], build: Callable[[SelectionArgs, Selection], TaskSpec]
) -> dict[str, Any]:
    try:
        arg = structure(SelectionArgs, argument_object(args))
        sel = selection_from(ctx.documents, arg.uri, arg.range)
        spec = build(arg, sel)
    except NoInstruction as exc:  # the editor asks the user, then sends the command again
        return {**failed(str(exc)), NEEDS_INSTRUCTION: True}
    except BadArguments as exc:
        return failed(str(exc))
    return await ctx.turns.run(spec, arg.thread_id, origin_of(arg.uri))


async def edit_selection(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{uri, range, instruction?}`: rewrite the selection as instructed."""
    return await _selection_task(
        ctx, args, lambda a, s: tasks.edit_selection(s, instruction_from(a.instruction, s))
    )


async def add_docstring(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{uri, range}`: document the selected code."""
    return await _selection_task(ctx, args, lambda a, s: tasks.add_docstring(s))


async def write_tests(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{uri, range}`: write tests for the selected code."""
    return await _selection_task(ctx, args, lambda a, s: tasks.write_tests(s))


async def fix_diagnostic(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{uri, range, diagnostic}`: fix one diagnostic."""

    def build(arg: SelectionArgs, sel: Selection) -> TaskSpec:
        diag = arg.diagnostic
        if diag is None:
            raise BadArguments("missing 'diagnostic' (the diagnostic to fix)")
        code = str(diag.code) if diag.code is not None else None
        fixing.append(code if diag.source == FINDINGS_SOURCE and code else "")
        return tasks.fix_diagnostic(sel, diag.message, diag.source, code)

    fixing: list[str] = []
    result = await _selection_task(ctx, args, build)
    if result.get("status") == "applied" and any(fixing):
        ctx.findings.changed(ctx.findings.store.remove(fixing))  # its fix applied
    return result


async def explain(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{uri, range}`: explain the code; the answer is shown and returned."""
    result = await _selection_task(ctx, args, lambda a, s: tasks.explain(s))
    if result.get("status") == "answered" and result.get("text"):
        result["documentUri"] = await ctx.client.show_answer(result["threadId"], result["text"])
    return result


async def ask(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{prompt, uri?, range?, context?, images?}` -> `{text}`."""
    try:
        arg = _prompt_args(args)
        sel = None
        if arg.uri and arg.range:
            sel = selection_from(ctx.documents, arg.uri, arg.range)
        context = context_from(ctx.documents, arg.context)
        images = await images_from(ctx.documents, arg.images)
    except BadArguments as exc:
        return failed(str(exc))
    spec = tasks.ask(arg.prompt, sel, context, images)
    result = await ctx.turns.run(spec, arg.thread_id, origin_of(arg.uri))
    plugin = ctx.client.caps.codex_approval  # our plugins show the answer in their chat
    if result.get("status") == "answered" and result.get("text") and not plugin:
        result["documentUri"] = await ctx.client.show_answer(result["threadId"], result["text"])
    return result


async def run_task(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{prompt, uri?, context?, images?}`: a workspace task that may edit several files.

    With `uri` (the active document) it works in that document's workspace folder.
    """
    try:
        arg = _prompt_args(args)
        context = context_from(ctx.documents, arg.context)
        images = await images_from(ctx.documents, arg.images)
    except BadArguments as exc:
        return failed(str(exc))
    spec = tasks.run_task(arg.prompt, context, images)
    return await ctx.turns.run(spec, arg.thread_id, origin_of(arg.uri))


def _prompt_args(args: tuple[Any, ...]) -> PromptArgs:
    arg = structure(PromptArgs, argument_object(args))
    if not arg.prompt.strip():
        raise BadArguments("'prompt' is empty")
    return arg


def _thread_id(args: tuple[Any, ...]) -> str | None:
    return structure(ThreadArgs, argument_object(args)).thread_id


async def cancel(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{threadId?}`: stop that thread's turn, or every running turn."""
    try:
        wanted = _thread_id(args)
    except BadArguments as exc:
        return failed(str(exc))
    targets = ctx.turns.cancel(wanted)
    if not targets:
        return {
            "status": "answered",
            "threadId": wanted,
            "cancelled": [],
            "text": "Nothing to cancel.",
        }
    return {"status": "cancelled", "threadId": wanted, "cancelled": targets}


async def status(ctx: Services, *args: Any) -> dict[str, Any]:
    """Configuration, running turns and threads, for humans and UIs."""
    agent = ctx.agent
    return {
        "status": "answered",
        "threadId": agent.current.id if agent.current else None,
        "version": __version__,
        "config": agent.loaded.describe(),
        "configError": "; ".join(ctx.config_problems) or None,
        "configProblems": list(ctx.config_problems),
        "requestsBlocked": agent.loaded.blocked,
        "instructionProblems": list(agent.instruction_problems),
        "warnings": list(agent.loaded.warnings),
        "auth": auth_commands.auth_status(ctx),
        "workspace": [str(r) for r in agent.workspace.roots],
        "running": sorted(ctx.turns.running),
        **(await agent.status()),
        "threads": len(agent.threads),
        "findings": len(ctx.findings.store.all()),
        "pendingChanges": ctx.pending.describe(),
        "pendingCommands": ctx.pending.commands.describe(),
        "inlineCompletion": ctx.completions.status(),
        "uptimeSec": round(time.monotonic() - ctx.started, 1),
    }


async def new_thread(ctx: Services, *args: Any) -> dict[str, Any]:
    """Start a fresh conversation for the workspace."""
    thread = ctx.agent.new_thread()
    return {"status": "answered", "threadId": thread.id}


async def list_threads(ctx: Services, *args: Any) -> dict[str, Any]:
    """Saved threads of this workspace, newest first."""
    current = ctx.agent.current.id if ctx.agent.current else None
    threads = [
        {
            "threadId": t.thread_id,
            "title": t.title,
            "created": t.created,
            "updated": t.updated,
            "items": t.items,
            "current": t.thread_id == current,
        }
        for t in ctx.agent.list_threads()
    ]
    return {"status": "answered", "threadId": current, "threads": threads}


async def resume_thread(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{threadId}`: make a saved thread current; later asks continue it."""
    try:
        thread_id = _thread_id(args)
        if thread_id is None:
            raise BadArguments("missing 'threadId'")
        thread = ctx.agent.resume(thread_id)
    except BadArguments as exc:
        return failed(str(exc))
    except KeyError as exc:
        return failed(str(exc.args[0]))
    ctx.findings.resume(thread.id)
    messages = [i for i in thread.history if i.get("type") == "message"]
    return {
        "status": "answered",
        "threadId": thread.id,
        "title": thread.title,
        "items": len(thread.history),
        "history": [{"role": m.get("role"), "text": message_text(m)} for m in messages],
        "transcript": transcript(thread.history),
    }


async def undo(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{threadId?}`: revert the last applied turn's edits (refused if the user changed them)."""
    try:
        thread_id = _thread_id(args)
        target = thread_id or (ctx.agent.current.id if ctx.agent.current else None)
        if ctx.turns.busy(target):  # without threadId, undo works on the current thread
            raise BadArguments(f"thread {target} is busy; cancel it first")
        changed, error = await ctx.agent.undo(thread_id)
    except BadArguments as exc:
        return failed(str(exc))
    except KeyError as exc:
        return failed(str(exc.args[0]))
    current = ctx.agent.current.id if ctx.agent.current else None
    if error:
        return failed(error, current)
    return {"status": "applied", "threadId": current, "changedFiles": changed}


def _guarded(name: str, handler: Handler) -> Handler:
    """Map a crash in a command to its `failed` result: one line, traceback only in the log.

    pygls would answer an internal error carrying the traceback in `error.data`.
    A failure is also shown to editors without our plugin (`report_failure`).
    """

    async def run(ctx: Services, *args: Any) -> dict[str, Any]:
        try:
            result = await handler(ctx, *args)
        except Exception as exc:
            log.exception("command %s failed", name)
            reason = f"Internal error in {name}: {one_line(exc)} (details in the server log)"
            result = failed(reason)
        report_failure(ctx.client, name, result)
        return result

    run.__doc__ = handler.__doc__
    return run


_HANDLERS: dict[str, Handler] = {
    EDIT_SELECTION: edit_selection,
    EXPLAIN: explain,
    ADD_DOCSTRING: add_docstring,
    WRITE_TESTS: write_tests,
    FIX_DIAGNOSTIC: fix_diagnostic,
    REVIEW: review_commands.review,
    CLEAR_FINDINGS: review_commands.clear_findings,
    ASK: ask,
    RUN_TASK: run_task,
    CANCEL: cancel,
    STATUS: status,
    NEW_THREAD: new_thread,
    LIST_THREADS: list_threads,
    RESUME_THREAD: resume_thread,
    UNDO: undo,
    LOGIN: auth_commands.login,
    LOGOUT: auth_commands.logout,
    TOGGLE_INLINE_COMPLETION: inline.toggle,
    **pending_commands.HANDLERS,
}
HANDLERS = {name: _guarded(name, handler) for name, handler in _HANDLERS.items()}
