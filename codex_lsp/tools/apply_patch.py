"""The `apply_patch` tool: parse Codex's patch, show the diff, apply only if approved.

Pipeline, one step each: parse -> resolve paths inside the workspace -> derive
the new texts from the editor's buffers (pure) -> review by the user (unless
the policy or a session approval says not to) -> keep the accepted hunks ->
let the host write it (editor: versioned `workspace/applyEdit`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from codex_lsp.core.protocol import EditProposal, FileEdit, Notice, ReviewedEdit, Snapshot
from codex_lsp.core.workspace import OutsideWorkspace, UnreadableFile, snapshot_of
from codex_lsp.edits.file_diff import file_diff
from codex_lsp.edits.hunks import HunkOutcome, apply_hunks, hunk_outcomes
from codex_lsp.intel.after_edit import after_edit, before_edit, cancel
from codex_lsp.patch import (
    AddFile,
    DeleteFile,
    FileChange,
    Patch,
    PatchApplyError,
    PatchParseError,
    UpdateFile,
    derive_changes,
    parse_patch,
    summarize,
)
from codex_lsp.tools.base import ToolContext, ToolFailure, TurnEnded

REJECTED_OUTPUT = "patch rejected by user"
MAX_PATCH_BYTES = 1024 * 1024
"""Largest patch accepted (1 MiB, several times what a model writes in one answer).

A bigger one is refused whole, before anything is parsed or shown, so a runaway
answer cannot flood the review or half-apply.
"""


class ApplyPatch:
    """Edit files with a patch in Codex's format."""

    name = "apply_patch"
    description = (
        "Use the `apply_patch` tool to edit files. The input is a patch in this format:\n"
        "*** Begin Patch\n"
        "*** Update File: path/to/file.py\n"
        "@@ def example():\n"
        "-    old line\n"
        "+    new line\n"
        "*** End Patch\n"
        "Other operations: '*** Add File: path' (every line starts with '+'), "
        "'*** Delete File: path', and '*** Move to: new/path' after an Update header. "
        "Show 3 lines of context around each change; paths are relative to the workspace root. "
        "The user reviews every patch before it is applied."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {"input": {"type": "string", "description": "The entire patch text."}},
        "required": ["input"],
        "additionalProperties": False,
    }

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        text = args.get("input")
        if not isinstance(text, str) or not text.strip():
            raise ToolFailure("apply_patch needs a non-empty string argument 'input'")
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_PATCH_BYTES:
            raise ToolFailure(
                f"patch too large: {size} bytes (at most {MAX_PATCH_BYTES}); "
                "split it into several smaller patches"
            )
        try:
            patch = parse_patch(text)
        except PatchParseError as exc:
            raise ToolFailure(f"invalid patch: {exc}") from exc

        snapshots: dict[Path, Snapshot] = {}

        def resolve(name: str) -> Path:
            try:
                return ctx.workspace.resolve(name)
            except OutsideWorkspace as exc:
                raise ToolFailure(str(exc)) from exc

        def read_text(name: str) -> str:
            path = resolve(name)
            try:
                snap = snapshot_of(path, ctx.host.snapshot)
            except UnreadableFile as exc:
                if not path.exists():
                    raise FileNotFoundError(name) from exc
                raise ToolFailure(str(exc)) from exc
            snapshots[path] = snap
            return snap.text

        def canonical(name: str) -> str:
            real, primary = resolve(name), ctx.workspace.primary
            return (
                real.relative_to(primary).as_posix() if real.is_relative_to(primary) else str(real)
            )

        patch = _canonical(patch, canonical)
        try:
            changes = derive_changes(patch, read_text)
        except PatchApplyError as exc:
            await ctx.emit(Notice(ctx.thread_id, f"Patch did not apply: {exc}", "warning"))
            raise ToolFailure(f"patch did not apply, nothing was changed: {exc}") from exc

        files = [self._file_edit(ctx, change, snapshots) for change in merge_changes(changes)]
        proposal = EditProposal(thread_id=ctx.thread_id, title=ctx.title, files=files)
        check = before_edit(ctx, proposal.files)  # the state before, while the user reviews
        try:
            reviewed, partial = await _review(ctx, proposal)
            outcome = await ctx.host.apply_edit(reviewed)
        except BaseException:
            cancel(check)
            raise
        proposal = reviewed.to_write
        if not outcome.applied:
            cancel(check)
            reason = outcome.reason or "the editor did not apply the edit"
            raise TurnEnded("failed", f"Edit not applied: {reason}", f"patch not applied: {reason}")
        ctx.applied.extend(proposal.files)
        for f in proposal.files:
            ctx.changed_files.append(ctx.workspace.relative(f.move_to or f.path))
        return (partial or summarize(changes)) + await after_edit(ctx, check, proposal.files)

    @staticmethod
    def _file_edit(ctx: ToolContext, change: FileChange, snaps: dict[Path, Snapshot]) -> FileEdit:
        path = ctx.workspace.resolve(change.path)
        snap = snaps.get(path)
        kind = change.kind
        old_text = change.old_text
        if kind == "add" and path.exists():
            # Codex overwrites on Add; show it as an update of the current text.
            try:
                snap = snapshot_of(path, ctx.host.snapshot)
            except UnreadableFile as exc:
                raise ToolFailure(str(exc)) from exc
            kind, old_text = "update", snap.text
        move_to = ctx.workspace.resolve(change.move_to) if change.move_to else None
        return FileEdit(
            path=path,
            kind=kind,
            old_text=old_text,
            new_text=change.new_text,
            version=snap.version if snap else None,
            move_to=move_to,
            changes=change.changes if change.kind == "update" else None,
        )


def _canonical(patch: Patch, canonical: Callable[[str], str]) -> Patch:
    """The patch with every path checked and named by its real location.

    Two spellings of one file (`./a.py`, `sub/../a.py`, a symlink to it) then
    share one state while the patch is derived, so no edit overwrites another.
    """
    ops: list[AddFile | DeleteFile | UpdateFile] = []
    for op in patch.ops:
        if isinstance(op, UpdateFile):
            move_to = canonical(op.move_to) if op.move_to else None
            ops.append(replace(op, path=canonical(op.path), move_to=move_to))
        else:
            ops.append(replace(op, path=canonical(op.path)))
    return Patch(ops)


async def _review(ctx: ToolContext, proposal: EditProposal) -> tuple[ReviewedEdit, str | None]:
    """Ask the user unless not needed; the reviewed edit, and its account if partial."""
    paths = [f.path for f in proposal.files]
    if not ctx.approvals.edit_needs_review(ctx.policy, paths):
        return ReviewedEdit.unasked(proposal), None
    reviewed = await ctx.host.review_edit(proposal)
    decision = reviewed.decision
    if decision.decision == "reject":
        raise TurnEnded("rejected", decision.reason or "Edit rejected.", REJECTED_OUTPUT)
    if decision.decision == "approveForSession":
        ctx.approvals.approve_files(paths)
    if not decision.hunks:
        return reviewed, None
    approved, partial = _keep_hunks(reviewed, decision.hunks, ctx.workspace.relative)
    if not approved.files:
        raise TurnEnded("rejected", "No hunk was accepted.", REJECTED_OUTPUT)
    return replace(reviewed, approved=approved), partial


def merge_changes(changes: list[FileChange]) -> list[FileChange]:
    """One change per file: a patch may touch the same file in several operations.

    A change of a file an earlier operation moved somewhere is folded into that
    move (the moved file is edited, replaced or deleted where it landed).
    """
    merged: dict[str, FileChange] = {}
    landed: dict[str, str] = {}
    """Move target -> the key of the move that put a file there."""
    for change in changes:
        source = landed.pop(change.path, None)
        if source is not None:
            _fold_into_move(merged, landed, source, change)
            continue
        first = merged.get(change.path)
        if first is None:
            merged[change.path] = change
        elif first.kind == "add" and change.kind == "delete":
            del merged[change.path]
        else:
            kind = "add" if first.kind == "add" else change.kind
            merged[change.path] = FileChange(
                path=change.path,
                kind=kind,
                old_text=first.old_text,
                new_text=change.new_text,
                move_to=change.move_to or first.move_to,
            )
        if merged.get(change.path) is not None and merged[change.path].move_to is not None:
            landed[merged[change.path].move_to or ""] = change.path
    return list(merged.values())


def _fold_into_move(
    merged: dict[str, FileChange], landed: dict[str, str], source: str, change: FileChange
) -> None:
    """`change` acts on the file the move at `source` put in place."""
    move = merged[source]
    if change.kind == "delete":
        merged[source] = FileChange(source, "delete", move.old_text, None)
        return
    target = change.move_to or move.move_to
    if target == source:  # moved back where it was: an edit in place
        target = None
    merged[source] = FileChange(source, "update", move.old_text, change.new_text, target)
    if target is not None:
        landed[target] = source


PARTIAL_HEADER = (
    "Partly applied: the user accepted only some of this patch. Rejected hunks are NOT in "
    "the files; the files now hold exactly what is listed below."
)
_SHOWN_LINES = 6
_LETTER = {"add": "A", "delete": "D", "update": "M"}
_NOT_DONE = {"add": "the file was not created", "delete": "the file was not deleted"}


def _keep_hunks(
    reviewed: ReviewedEdit, hunks: dict[str, list[int]], relative: Callable[[Path], str]
) -> tuple[EditProposal, str | None]:
    """Only the hunks the user accepted (of those shown), and the model's account of them.

    A file with an empty list is dropped. The text is None when everything was
    accepted (then Codex's usual summary is the output), else it says, file by
    file and hunk by hunk, what was applied and what was not.
    """
    kept: list[FileEdit] = []
    report: list[str] = []
    partial = False
    proposal = reviewed.proposal
    for f in proposal.files:
        accepted = hunks.get(str(f.path), hunks.get(f.path.as_uri()))
        name = f"{_LETTER[f.kind]} {relative(f.path)}"
        if f.move_to is not None:
            name += f" -> {relative(f.move_to)}"
        if f.kind != "update" or f.old_text is None or f.new_text is None or accepted is None:
            if accepted is None or accepted:
                kept.append(f)
                report.append(f"{name}: applied")
            else:
                partial = True
                report.append(f"{name}: rejected, {_NOT_DONE.get(f.kind, 'unchanged')}")
            continue
        shown = reviewed.shown_hunks(f.path)
        if shown is None:  # the host kept none: the same diff, computed here
            shown = file_diff(f.old_text, f.new_text, f.changes).hunks()
        outcomes = hunk_outcomes(f.old_text, f.new_text, accepted, shown)
        new_text = apply_hunks(f.old_text, f.new_text, accepted, shown)
        if new_text != f.old_text or f.move_to:
            kept.append(FileEdit(f.path, f.kind, f.old_text, new_text, f.version, f.move_to))
        partial = partial or not all(o.applied for o in outcomes)
        report.extend(_file_report(name, outcomes))
    result = EditProposal(proposal.thread_id, proposal.title, kept)
    return result, ("\n".join([PARTIAL_HEADER, *report]) + "\n") if partial else None


def _file_report(name: str, outcomes: list[HunkOutcome]) -> list[str]:
    """One line per hunk: applied or rejected, with the lines it now covers."""
    done = sum(o.applied for o in outcomes)
    lines = [f"{name}: {done} of {len(outcomes)} hunks applied"]
    for o in outcomes:
        n = o.hunk.index + 1
        if o.end < o.start:
            what = "lines removed" if o.applied else "nothing was inserted"
            lines.append(
                f"  hunk {n}: {'applied' if o.applied else 'rejected'}; {what} after line {o.end}"
            )
        elif o.applied:
            lines.append(f"  hunk {n}: applied; now lines {o.start}-{o.end}")
        else:
            lines.append(f"  hunk {n}: rejected; lines {o.start}-{o.end} are unchanged:")
            kept = o.hunk.old_lines
            lines.extend(
                f"    |{line.rstrip(chr(13) + chr(10))[:200]}" for line in kept[:_SHOWN_LINES]
            )
            if len(kept) > _SHOWN_LINES:
                lines.append(f"    | ... ({len(kept) - _SHOWN_LINES} more lines)")
    return lines
