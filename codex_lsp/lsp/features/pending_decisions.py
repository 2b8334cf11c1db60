"""Deciding pending changes and commands: code actions, `codex.approve`, `codex.reject`.

`codex.showDiff` shows a pending change's diff.

Every command takes `{changeId?}` (or `{commandId?}`) and acts on the newest
pending item, change or command, without it: Helix's `:lsp-workspace-command
codex.approve` sends no arguments. `codex.approve` also takes `{uri, hunk}` to
apply one hunk of that file only, and `{commandId, forSession: true}` to allow
that command for the rest of the session.
"""

from __future__ import annotations

from typing import Any

from codex_lsp import wire
from codex_lsp.core.protocol import ReviewDecision
from codex_lsp.lsp.edits.pending_changes import (
    NoPendingChange,
    PendingChange,
    PendingChanges,
    file_diagnostics,
)
from codex_lsp.lsp.edits.waiting_commands import NoWaitingCommand, WaitingCommand, what
from codex_lsp.lsp.features.arguments import BadArguments, PendingArgs
from codex_lsp.lsp.features.command_registry import command
from codex_lsp.lsp.features.command_results import CommandResult, DecisionResult, failed
from codex_lsp.lsp.session.session import Session

Json = dict[str, Any]
SHOWN_DIFF_LINES = 40
"""A diff shown as a message (no `showDocument`) is cut after this many lines."""


def _decided(item: PendingChange | WaitingCommand, verb: str) -> DecisionResult:
    """The answer naming the change (or command) decided and what it was."""
    if isinstance(item, WaitingCommand):
        text = f"{verb}: {what(item.request)}"
        return DecisionResult(
            status="answered", thread_id=item.thread_id, command_id=item.id, text=text
        )
    text = f"{verb}: {item.summary}"
    return DecisionResult(status="answered", thread_id=item.thread_id, change_id=item.id, text=text)


@command(wire.APPROVE, PendingArgs)
async def approve(session: Session, arg: PendingArgs) -> CommandResult:
    """Apply a pending change (or one hunk of it) or allow a waiting command.

    `{changeId?, uri?, hunk?}` or `{commandId?, forSession?}`; without an id: the newest.
    """
    try:
        target = _target(session.pending, arg)
        if isinstance(target, WaitingCommand):
            session.waiting_commands.decide(
                target.id, "approveForSession" if arg.for_session else "approve"
            )
            return _decided(target, "Allowed for this session" if arg.for_session else "Allowed")
        change = target
        hunks = None
        if arg.hunk is not None:
            if arg.uri is None:
                raise BadArguments("'hunk' needs the 'uri' of its file")
            hunks = change.hunks_only(_path(session, arg.uri), arg.hunk)
        session.pending.decide(change.id, ReviewDecision("approve", hunks))
    except (NoPendingChange, NoWaitingCommand) as exc:
        return failed(str(exc))
    return _decided(change, "Approved" if arg.hunk is None else f"Approved hunk {arg.hunk + 1} of")


@command(wire.REJECT, PendingArgs)
async def reject(session: Session, arg: PendingArgs) -> CommandResult:
    """`{changeId?}` or `{commandId?}`: reject a change or deny a command (default: newest)."""
    try:
        target = _target(session.pending, arg)
        if isinstance(target, WaitingCommand):
            session.waiting_commands.decide(target.id, "reject")
            return _decided(target, "Denied")
        rejected = ReviewDecision("reject", reason="Edit rejected.")
        change = session.pending.decide(target.id, rejected)
    except (NoPendingChange, NoWaitingCommand) as exc:
        return failed(str(exc))
    return _decided(change, "Rejected")


def _target(pending: PendingChanges, arg: PendingArgs) -> PendingChange | WaitingCommand:
    """The item named by its id, else the newest (a change when a hunk is named)."""
    if arg.command_id is not None:
        return pending.commands.get(arg.command_id)
    if arg.change_id is not None or arg.hunk is not None:
        return pending.get(arg.change_id)
    newest = pending.newest()
    if newest is None:
        raise NoPendingChange("Nothing is waiting for a decision (no proposed change or command).")
    return newest


@command(wire.SHOW_DIFF, PendingArgs)
async def show_diff(session: Session, arg: PendingArgs) -> CommandResult:
    """`{changeId?}`: open the change's diff (`showDocument`), else show it as a message."""
    try:
        change = session.pending.get(arg.change_id)
    except NoPendingChange as exc:
        return failed(str(exc))
    result = _decided(change, "Diff of")
    text = "".join(rf.diff for rf in change.reviewed.files)
    if session.client.caps.show_document:
        name = f"{change.thread_id}.diff"
        path, shown = await session.client.show_file("diffs", name, text)
        result.document_uri = path.as_uri()
        if shown:
            return result
    lines = text.splitlines()
    cut = len(lines) - SHOWN_DIFF_LINES
    more = f"\n… {cut} more lines" if cut > 0 else ""
    session.client.show_message(
        f"{change.reviewed.proposal.title}: {change.summary}\n"
        + "\n".join(lines[:SHOWN_DIFF_LINES])
        + more
    )
    return result


def _path(session: Session, uri: str) -> str:
    path = session.documents.workspace_path(uri)
    if path is None:
        raise BadArguments(f"{uri} is not a file of the workspace")
    return path


# ---- code actions --------------------------------------------------------------------------


def pending_actions(
    pending: PendingChanges, path: str | None, uri: str, start_line: int, end_line: int
) -> list[Json]:
    """The actions deciding the pending changes of `uri` (filed under `path`), newest first.

    "Apply this hunk" is offered on the hunk's lines; the others anywhere in the file,
    carrying the diagnostics of the range they resolve.
    """
    if path is None:  # not a workspace file (`untitled:` included)
        return []
    changes = pending.in_file(path)
    actions: list[Json] = command_actions(pending, path, uri)
    for change in changes:
        suffix = f" ({change.reviewed.proposal.title})" if len(changes) > 1 else ""
        hits = [
            d
            for rf in change.files_at(path)
            for d in file_diagnostics(change, rf)
            if _meets(d, start_line, end_line)
        ]
        ref = {"changeId": change.id}
        actions.append(_action("Codex: Apply change" + suffix, wire.APPROVE, ref, hits, True))
        hunks = [d for d in hits if d["data"]["hunk"] is not None]
        if _parts(change) > 1:
            for d in hunks:
                where = f" (line {_first_line(d) + 1})" if len(hunks) > 1 else ""
                arg = {**ref, "uri": uri, "hunk": d["data"]["hunk"]}
                title = "Codex: Apply this hunk" + where + suffix
                actions.append(_action(title, wire.APPROVE, arg, [d]))
        actions.append(_action("Codex: Reject change" + suffix, wire.REJECT, ref, hits))
        actions.append(_action("Codex: Show diff" + suffix, wire.SHOW_DIFF, ref, []))
    return actions


def command_actions(pending: PendingChanges, path: str, uri: str) -> list[Json]:
    """Allow / allow for this session / deny each command waiting in this document."""
    actions: list[Json] = []
    for waiting in pending.commands.in_file(path, uri):
        ref = {"commandId": waiting.id}
        asked = what(waiting.request)
        actions.append(_action(f"Codex: Allow {asked}", wire.APPROVE, ref, []))
        actions.append(
            _action(
                f"Codex: Allow {asked} for this session",
                wire.APPROVE,
                {**ref, "forSession": True},
                [],
            )
        )
        actions.append(_action(f"Codex: Deny {asked}", wire.REJECT, ref, []))
    return actions


def _parts(change: PendingChange) -> int:
    """Hunks and whole-file operations: one part alone is the whole change."""
    return sum(len(rf.hunks) or 1 for rf in change.reviewed.files)


def _first_line(diagnostic: Json) -> int:
    line: int = diagnostic["range"]["start"]["line"]
    return line


def _meets(diagnostic: Json, start_line: int, end_line: int) -> bool:
    rng = diagnostic["range"]
    first: int = rng["start"]["line"]
    last: int = max(first, rng["end"]["line"] - (rng["end"]["character"] == 0))
    return start_line <= last and end_line >= first


def _action(
    title: str, command: str, arg: Json, diagnostics: list[Json], preferred: bool = False
) -> Json:
    action: Json = {
        "title": title,
        "kind": wire.QUICKFIX,
        "command": {"title": title, "command": command, "arguments": [arg]},
    }
    if diagnostics:
        action["diagnostics"] = diagnostics
    if preferred and diagnostics:
        action["isPreferred"] = True
    return action

