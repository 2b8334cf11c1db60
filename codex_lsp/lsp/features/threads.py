"""Threads: start, list, resume, undo the last turn of, or cancel the turn of one."""

from __future__ import annotations

from codex_lsp import wire
from codex_lsp.agent.transcript import transcript
from codex_lsp.core.items import message_text
from codex_lsp.lsp.features.arguments import BadArguments, ThreadArgs
from codex_lsp.lsp.features.command_registry import NoArgs, command
from codex_lsp.lsp.features.command_results import (
    CancelResult,
    CommandResult,
    ResumeResult,
    ThreadEntry,
    ThreadListResult,
    UndoResult,
    failed,
    thread_result,
)
from codex_lsp.lsp.session.session import Session


def _current(session: Session) -> str | None:
    return session.agent.current.id if session.agent.current else None


@command(wire.CANCEL, ThreadArgs)
async def cancel(session: Session, arg: ThreadArgs) -> CommandResult:
    """`{threadId?}`: stop that thread's turn, or every running turn."""
    targets = session.turns.cancel(arg.thread_id)
    if not targets:
        return CancelResult(
            status="answered", thread_id=arg.thread_id, cancelled=[], text="Nothing to cancel."
        )
    return CancelResult(status="cancelled", thread_id=arg.thread_id, cancelled=targets)


@command(wire.NEW_THREAD)
async def new_thread(session: Session, args: NoArgs) -> CommandResult:
    """Start a fresh conversation for the workspace."""
    return thread_result(session.agent.new_thread().id)


@command(wire.LIST_THREADS)
async def list_threads(session: Session, args: NoArgs) -> CommandResult:
    """Saved threads of this workspace, newest first."""
    current = _current(session)
    threads = [
        ThreadEntry(
            thread_id=t.thread_id,
            title=t.title,
            created=t.created,
            updated=t.updated,
            items=t.items,
            current=t.thread_id == current,
        )
        for t in session.agent.list_threads()
    ]
    return ThreadListResult(status="answered", thread_id=current, threads=threads)


@command(wire.RESUME_THREAD, ThreadArgs)
async def resume_thread(session: Session, arg: ThreadArgs) -> CommandResult:
    """`{threadId}`: make a saved thread current; later asks continue it."""
    if arg.thread_id is None:
        raise BadArguments("missing 'threadId'")
    try:
        thread = session.agent.resume(arg.thread_id)
    except KeyError as exc:
        return failed(str(exc.args[0]))
    session.diagnostics.resume(thread.id)
    messages = [i for i in thread.history if i.get("type") == "message"]
    return ResumeResult(
        status="answered",
        thread_id=thread.id,
        title=thread.title,
        items=len(thread.history),
        history=[{"role": m.get("role"), "text": message_text(m)} for m in messages],
        transcript=transcript(thread.history),
    )


@command(wire.UNDO, ThreadArgs)
async def undo(session: Session, arg: ThreadArgs) -> CommandResult:
    """`{threadId?}`: revert the last applied turn's edits (refused if the user changed them)."""
    target = arg.thread_id or _current(session)
    if session.turns.busy(target):  # without threadId, undo works on the current thread
        raise BadArguments(f"thread {target} is busy; cancel it first")
    try:
        changed, error = await session.agent.undo(arg.thread_id)
    except KeyError as exc:
        return failed(str(exc.args[0]))
    if error:
        return failed(error, _current(session))
    return UndoResult(status="applied", thread_id=_current(session), changed_files=changed)
