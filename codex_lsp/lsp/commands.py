"""`workspace/executeCommand` handlers: command ids -> agent operations.

Every command answers a JSON object with at least `status`
(`applied` | `rejected` | `answered` | `cancelled` | `failed`) and `threadId`,
plus `error` when it failed. Malformed arguments are a `failed` answer with a
message naming what is wrong; they never crash the server.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from codex_lsp import __version__
from codex_lsp.agent import tasks
from codex_lsp.agent.tasks import Selection, TaskSpec
from codex_lsp.core.items import message_text
from codex_lsp.core.workspace import OutsideWorkspace, UnreadableFile
from codex_lsp.edits.lines import lsp_lines
from codex_lsp.jsontext import one_line
from codex_lsp.lsp.open_documents import NotAFile, origin_of, path_of
from codex_lsp.lsp.services import Services
from codex_lsp.lsp.turns import failed
from codex_lsp.wire import (
    ADD_DOCSTRING,
    ASK,
    CANCEL,
    EDIT_SELECTION,
    EXPLAIN,
    FIX_DIAGNOSTIC,
    LIST_THREADS,
    NEW_THREAD,
    RESUME_THREAD,
    RUN_TASK,
    STATUS,
    UNDO,
    WRITE_TESTS,
)

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[dict[str, Any]]]

INSTRUCTION_COMMENT = re.compile(r"(?:#|//|--|;|/\*|<!--|\*)\s*codex:\s*(.+?)\s*(?:\*/|-->)?\s*$")


class BadArguments(Exception):
    """The command's arguments are missing or malformed."""


def _arg_object(args: tuple[Any, ...]) -> dict[str, Any]:
    if not args:
        return {}
    first = args[0]
    if first is None or first == []:
        return {}  # Lua clients encode an empty table as [].
    if not isinstance(first, dict):
        raise BadArguments(f"expected one argument object, got {type(first).__name__}")
    return first


def _thread_id(arg: dict[str, Any]) -> str | None:
    """The optional `threadId` argument: a non-empty string or absent/null."""
    value = arg.get("threadId")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise BadArguments(f"'threadId' must be a non-empty string, got {type(value).__name__}")
    return value


def _position(value: Any, name: str) -> tuple[int, int]:
    if not isinstance(value, dict):
        raise BadArguments(f"'{name}' must be an object with 'line' and 'character'")
    line, char = value.get("line"), value.get("character", 0)
    if not isinstance(line, int) or not isinstance(char, int) or line < 0 or char < 0:
        raise BadArguments(f"'{name}' needs non-negative integer 'line' and 'character'")
    return line, char


def selection_from(ctx: Services, arg: dict[str, Any]) -> Selection:
    """The lines covered by `{uri, range}`, from the editor's buffer (or disk)."""
    uri = arg.get("uri")
    if not isinstance(uri, str) or not uri:
        raise BadArguments("missing 'uri' (the document to work on)")
    rng = arg.get("range")
    if not isinstance(rng, dict):
        raise BadArguments("missing 'range' ({start: {line, character}, end: {...}})")
    (start_line, _), (end_line, end_char) = (
        _position(rng.get("start"), "range.start"),
        _position(rng.get("end"), "range.end"),
    )
    if end_line < start_line:
        raise BadArguments("'range.end' is before 'range.start'")
    try:
        path = ctx.documents.workspace.resolve(str(path_of(uri)))
        text = ctx.documents.text(path)
    except (NotAFile, OutsideWorkspace, UnreadableFile) as exc:
        raise BadArguments(str(exc)) from exc
    lines = lsp_lines(text)
    if end_line > start_line and end_char == 0:
        end_line -= 1  # a linewise selection ends at column 0 of the next line
    if lines and start_line >= len(lines):
        raise BadArguments(f"range starts at line {start_line + 1} but the file has {len(lines)}")
    chosen = lines[start_line : end_line + 1]
    return Selection(
        path=ctx.documents.relative(path),
        start_line=start_line + 1,
        end_line=start_line + max(1, len(chosen)),
        text="\n".join(chosen),
        language=ctx.documents.language_id(path),
    )


def instruction_from(arg: dict[str, Any], sel: Selection) -> str:
    """The instruction argument, else a `codex:` comment in the selection."""
    given = arg.get("instruction")
    if isinstance(given, str) and given.strip():
        return given.strip()
    for line in lsp_lines(sel.text):
        match = INSTRUCTION_COMMENT.search(line)
        if match:
            return str(match.group(1))
    raise BadArguments(
        "No instruction: pass 'instruction' in the command arguments or put a comment "
        "starting with 'codex:' in the selection (e.g. '# codex: make this async')."
    )


async def _selection_task(
    ctx: Services, args: tuple[Any, ...], build: Any
) -> dict[str, Any]:
    try:
        arg = _arg_object(args)
        sel = selection_from(ctx, arg)
        spec = build(arg, sel)
        thread_id = _thread_id(arg)
    except BadArguments as exc:
        return failed(str(exc))
    return await ctx.turns.run(spec, thread_id, origin_of(arg))


async def edit_selection(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{uri, range, instruction?}`: rewrite the selection as instructed."""
    return await _selection_task(
        ctx, args, lambda a, s: tasks.edit_selection(s, instruction_from(a, s))
    )


async def add_docstring(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{uri, range}`: document the selected code."""
    return await _selection_task(ctx, args, lambda a, s: tasks.add_docstring(s))


async def write_tests(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{uri, range}`: write tests for the selected code."""
    return await _selection_task(ctx, args, lambda a, s: tasks.write_tests(s))


async def fix_diagnostic(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{uri, range, diagnostic}`: fix one diagnostic."""

    def build(arg: dict[str, Any], sel: Selection) -> TaskSpec:
        diag = arg.get("diagnostic")
        if not isinstance(diag, dict) or not isinstance(diag.get("message"), str):
            raise BadArguments("missing 'diagnostic' with a 'message'")
        code = diag.get("code")
        return tasks.fix_diagnostic(
            sel, diag["message"], diag.get("source"), str(code) if code is not None else None
        )

    return await _selection_task(ctx, args, build)


async def explain(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{uri, range}`: explain the code; the answer is shown and returned."""
    result = await _selection_task(ctx, args, lambda a, s: tasks.explain(s))
    if result.get("status") == "answered" and result.get("text"):
        result["documentUri"] = await ctx.client.show_answer(result["threadId"], result["text"])
    return result


async def ask(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{prompt, uri?, range?}` -> `{text}`."""
    try:
        arg = _arg_object(args)
        prompt = arg.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise BadArguments("missing 'prompt'")
        sel = selection_from(ctx, arg) if arg.get("uri") and arg.get("range") else None
        thread_id = _thread_id(arg)
    except BadArguments as exc:
        return failed(str(exc))
    origin = origin_of(arg)
    return await ctx.turns.run(tasks.ask(prompt, sel), thread_id, origin)


async def run_task(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{prompt, uri?}`: a workspace task that may edit several files.

    With `uri` (the active document) it works in that document's workspace folder.
    """
    try:
        arg = _arg_object(args)
        prompt = arg.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise BadArguments("missing 'prompt'")
        thread_id = _thread_id(arg)
    except BadArguments as exc:
        return failed(str(exc))
    origin = origin_of(arg)
    return await ctx.turns.run(tasks.run_task(prompt), thread_id, origin)


async def cancel(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{threadId?}`: stop that thread's turn, or every running turn."""
    try:
        wanted = _thread_id(_arg_object(args))
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
        "configError": ctx.config_error,
        "warnings": list(agent.loaded.warnings),
        "workspace": [str(r) for r in agent.workspace.roots],
        "running": sorted(ctx.turns.running),
        **(await agent.status()),
        "threads": len(agent.threads),
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
        thread_id = _thread_id(_arg_object(args))
        if thread_id is None:
            raise BadArguments("missing 'threadId'")
        thread = ctx.agent.resume(thread_id)
    except BadArguments as exc:
        return failed(str(exc))
    except KeyError as exc:
        return failed(str(exc.args[0]))
    messages = [i for i in thread.history if i.get("type") == "message"]
    return {
        "status": "answered",
        "threadId": thread.id,
        "title": thread.title,
        "items": len(thread.history),
        "history": [{"role": m.get("role"), "text": message_text(m)} for m in messages],
    }


async def undo(ctx: Services, *args: Any) -> dict[str, Any]:
    """`{threadId?}`: revert the last applied turn's edits (refused if the user changed them)."""
    try:
        thread_id = _thread_id(_arg_object(args))
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
    """

    async def run(ctx: Services, *args: Any) -> dict[str, Any]:
        try:
            return await handler(ctx, *args)
        except Exception as exc:
            log.exception("command %s failed", name)
            return failed(f"Internal error in {name}: {one_line(exc)} (details in the server log)")

    run.__doc__ = handler.__doc__
    return run


_HANDLERS: dict[str, Handler] = {
    EDIT_SELECTION: edit_selection,
    EXPLAIN: explain,
    ADD_DOCSTRING: add_docstring,
    WRITE_TESTS: write_tests,
    FIX_DIAGNOSTIC: fix_diagnostic,
    ASK: ask,
    RUN_TASK: run_task,
    CANCEL: cancel,
    STATUS: status,
    NEW_THREAD: new_thread,
    LIST_THREADS: list_threads,
    RESUME_THREAD: resume_thread,
    UNDO: undo,
}
HANDLERS = {name: _guarded(name, handler) for name, handler in _HANDLERS.items()}
