"""`workspace/executeCommand` handlers: command ids -> agent operations.

Every command answers a JSON object with at least `status`
(`applied` | `rejected` | `answered` | `cancelled` | `failed`) and `threadId`,
plus `error` when it failed. Malformed arguments are a `failed` answer with a
message naming what is wrong; they never crash the server.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codex_lsp import __version__
from codex_lsp.agent import tasks
from codex_lsp.agent.tasks import Selection, TaskSpec
from codex_lsp.core.items import message_text
from codex_lsp.core.protocol import TurnFinished
from codex_lsp.core.workspace import OutsideWorkspace
from codex_lsp.edits.lines import lsp_lines
from codex_lsp.jsontext import one_line
from codex_lsp.lsp import auth_commands
from codex_lsp.wire import (
    ADD_DOCSTRING,
    ASK,
    CANCEL,
    EDIT_SELECTION,
    EXPLAIN,
    FIX_DIAGNOSTIC,
    LIST_THREADS,
    LOGIN,
    LOGOUT,
    NEW_THREAD,
    RESUME_THREAD,
    RUN_TASK,
    STATUS,
    UNDO,
    WRITE_TESTS,
)

if TYPE_CHECKING:
    from codex_lsp.lsp.server import CodexLanguageServer

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[dict[str, Any]]]

INSTRUCTION_COMMENT = re.compile(r"(?:#|//|--|;|/\*|<!--|\*)\s*codex:\s*(.+?)\s*(?:\*/|-->)?\s*$")


class BadArguments(Exception):
    """The command's arguments are missing or malformed."""


def _failed(message: str, thread_id: str | None = None) -> dict[str, Any]:
    return {"status": "failed", "threadId": thread_id, "error": message}


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


def selection_from(server: CodexLanguageServer, arg: dict[str, Any]) -> Selection:
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
    path = server.path_of(uri)
    try:
        path = server.agent.workspace.resolve(str(path))
    except OutsideWorkspace as exc:
        raise BadArguments(str(exc)) from exc
    text = server.document_text(path)
    lines = lsp_lines(text)
    if end_line > start_line and end_char == 0:
        end_line -= 1  # a linewise selection ends at column 0 of the next line
    if lines and start_line >= len(lines):
        raise BadArguments(f"range starts at line {start_line + 1} but the file has {len(lines)}")
    chosen = lines[start_line : end_line + 1]
    return Selection(
        path=server.relative(path),
        start_line=start_line + 1,
        end_line=start_line + max(1, len(chosen)),
        text="\n".join(chosen),
        language=server.language_id(path),
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


async def run_turn(
    server: CodexLanguageServer,
    spec: TaskSpec,
    thread_id: str | None = None,
    origin: Path | None = None,
) -> dict[str, Any]:
    """Run a turn as a cancellable task with progress; return the command result.

    `origin` (the document the command came from) picks the workspace folder.
    """
    try:
        thread = server.thread_for_command(thread_id)
    except KeyError as exc:
        return _failed(str(exc.args[0]))
    reporter = server.new_reporter(thread.id)
    task = asyncio.ensure_future(server.agent.run(spec, thread.id, origin))
    server.running[thread.id] = task
    msg_id = server.protocol.msg_id

    def stop() -> None:
        task.cancel()

    if msg_id is not None:
        server.protocol.cancel_hooks[msg_id] = stop
    reporter.on_cancel = stop
    try:
        await reporter.begin(spec.title)
        result = await task
        answer: dict[str, Any] = {
            "status": result.status,
            "threadId": result.thread_id,
            "text": result.text,
            "changedFiles": result.changed_files,
        }
        if result.error:
            answer["error"] = result.error
            if server.agent.loaded.missing_key_message() == result.error:
                server.auth_ui.startup_check()  # no credentials: offer to sign in
        reporter.end(_end_message(answer))
        return answer
    except asyncio.CancelledError:
        if not task.cancelled():
            task.cancel()
            raise
        answer = {"status": "cancelled", "threadId": thread.id, "text": ""}
        await reporter.emit(TurnFinished(thread.id, "cancelled", "", None))
        reporter.end("Cancelled")
        return answer
    except Exception as exc:  # still answer and end the progress (the engine logged it)
        answer = _failed(f"Internal error: {one_line(exc)}", thread.id)
        reporter.end(_end_message(answer))
        return answer
    finally:
        server.running.pop(thread.id, None)
        server.reporters.pop(thread.id, None)
        if msg_id is not None:
            server.protocol.cancel_hooks.pop(msg_id, None)


def _end_message(answer: dict[str, Any]) -> str:
    status = answer["status"]
    if status == "failed":
        return f"Failed: {answer.get('error', '')}"[:200]
    if status == "applied":
        files: list[str] = answer.get("changedFiles") or []
        return f"Applied: {', '.join(files)}"[:200]
    return str(status).capitalize()


async def _selection_task(
    server: CodexLanguageServer, args: tuple[Any, ...], build: Any
) -> dict[str, Any]:
    try:
        arg = _arg_object(args)
        sel = selection_from(server, arg)
        spec = build(arg, sel)
        thread_id = _thread_id(arg)
    except BadArguments as exc:
        return _failed(str(exc))
    return await run_turn(server, spec, thread_id, server.origin_of(arg))


async def edit_selection(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """`{uri, range, instruction?}`: rewrite the selection as instructed."""
    return await _selection_task(
        server, args, lambda a, s: tasks.edit_selection(s, instruction_from(a, s))
    )


async def add_docstring(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """`{uri, range}`: document the selected code."""
    return await _selection_task(server, args, lambda a, s: tasks.add_docstring(s))


async def write_tests(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """`{uri, range}`: write tests for the selected code."""
    return await _selection_task(server, args, lambda a, s: tasks.write_tests(s))


async def fix_diagnostic(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """`{uri, range, diagnostic}`: fix one diagnostic."""

    def build(arg: dict[str, Any], sel: Selection) -> TaskSpec:
        diag = arg.get("diagnostic")
        if not isinstance(diag, dict) or not isinstance(diag.get("message"), str):
            raise BadArguments("missing 'diagnostic' with a 'message'")
        code = diag.get("code")
        return tasks.fix_diagnostic(
            sel, diag["message"], diag.get("source"), str(code) if code is not None else None
        )

    return await _selection_task(server, args, build)


async def explain(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """`{uri, range}`: explain the code; the answer is shown and returned."""
    result = await _selection_task(server, args, lambda a, s: tasks.explain(s))
    if result.get("status") == "answered" and result.get("text"):
        result["documentUri"] = await server.show_answer(result["threadId"], result["text"])
    return result


async def ask(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """`{prompt, uri?, range?}` -> `{text}`."""
    try:
        arg = _arg_object(args)
        prompt = arg.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise BadArguments("missing 'prompt'")
        sel = selection_from(server, arg) if arg.get("uri") and arg.get("range") else None
        thread_id = _thread_id(arg)
    except BadArguments as exc:
        return _failed(str(exc))
    origin = server.origin_of(arg)
    return await run_turn(server, tasks.ask(prompt, sel), thread_id, origin)


async def run_task(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
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
        return _failed(str(exc))
    origin = server.origin_of(arg)
    return await run_turn(server, tasks.run_task(prompt), thread_id, origin)


async def cancel(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """`{threadId?}`: stop that thread's turn, or every running turn."""
    try:
        wanted = _thread_id(_arg_object(args))
    except BadArguments as exc:
        return _failed(str(exc))
    targets = [t for t in server.running if wanted in (None, t)]
    for thread_id in targets:
        server.running[thread_id].cancel()
    if not targets:
        return {
            "status": "answered",
            "threadId": wanted,
            "cancelled": [],
            "text": "Nothing to cancel.",
        }
    return {"status": "cancelled", "threadId": wanted, "cancelled": targets}


async def status(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """Configuration, running turns and threads, for humans and UIs."""
    agent = server.agent
    return {
        "status": "answered",
        "threadId": agent.current.id if agent.current else None,
        "version": __version__,
        "config": agent.loaded.describe(),
        "configError": server.config_error,
        "warnings": list(agent.loaded.warnings),
        "auth": auth_commands.auth_status(server),
        "workspace": [str(r) for r in agent.workspace.roots],
        "running": sorted(server.running),
        **(await agent.status()),
        "threads": len(agent.threads),
        "uptimeSec": round(time.monotonic() - server.started, 1),
    }


async def new_thread(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """Start a fresh conversation for the workspace."""
    thread = server.agent.new_thread()
    return {"status": "answered", "threadId": thread.id}


async def list_threads(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """Saved threads of this workspace, newest first."""
    current = server.agent.current.id if server.agent.current else None
    threads = [
        {
            "threadId": t.thread_id,
            "title": t.title,
            "created": t.created,
            "updated": t.updated,
            "items": t.items,
            "current": t.thread_id == current,
        }
        for t in server.agent.list_threads()
    ]
    return {"status": "answered", "threadId": current, "threads": threads}


async def resume_thread(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """`{threadId}`: make a saved thread current; later asks continue it."""
    try:
        thread_id = _thread_id(_arg_object(args))
        if thread_id is None:
            raise BadArguments("missing 'threadId'")
        thread = server.agent.resume(thread_id)
    except BadArguments as exc:
        return _failed(str(exc))
    except KeyError as exc:
        return _failed(str(exc.args[0]))
    messages = [i for i in thread.history if i.get("type") == "message"]
    return {
        "status": "answered",
        "threadId": thread.id,
        "title": thread.title,
        "items": len(thread.history),
        "history": [{"role": m.get("role"), "text": message_text(m)} for m in messages],
    }


async def undo(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
    """`{threadId?}`: revert the last applied turn's edits (refused if the user changed them)."""
    try:
        thread_id = _thread_id(_arg_object(args))
        target = thread_id or (server.agent.current.id if server.agent.current else None)
        if target in server.running:  # without threadId, undo works on the current thread
            raise BadArguments(f"thread {target} is busy; cancel it first")
        changed, error = await server.agent.undo(thread_id)
    except BadArguments as exc:
        return _failed(str(exc))
    except KeyError as exc:
        return _failed(str(exc.args[0]))
    current = server.agent.current.id if server.agent.current else None
    if error:
        return _failed(error, current)
    return {"status": "applied", "threadId": current, "changedFiles": changed}


def _guarded(name: str, handler: Handler) -> Handler:
    """Map a crash in a command to its `failed` result: one line, traceback only in the log.

    pygls would answer an internal error carrying the traceback in `error.data`.
    """

    async def run(server: CodexLanguageServer, *args: Any) -> dict[str, Any]:
        try:
            return await handler(server, *args)
        except Exception as exc:
            log.exception("command %s failed", name)
            return _failed(f"Internal error in {name}: {one_line(exc)} (details in the server log)")

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
    LOGIN: auth_commands.login,
    LOGOUT: auth_commands.logout,
}
HANDLERS = {name: _guarded(name, handler) for name, handler in _HANDLERS.items()}
