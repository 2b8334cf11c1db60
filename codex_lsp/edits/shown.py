"""One file of a proposed edit as the user is shown it: its diff, computed once.

Every host shows the same thing (the editor's approval prompt, the pending
change's diagnostics, the terminal of `codex-lsp exec`), and the editor's
`WorkspaceEdit` is made from the same computed `FileDiff`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codex_lsp.core.protocol import FileEdit, Hunk
from codex_lsp.edits.file_diff import FileDiff, file_diff


@dataclass(frozen=True)
class ShownFile:
    """One file of the edit with what the user is shown about it."""

    edit: FileEdit
    change: FileDiff
    """The computed change: the hunks, the diff and the counts come from it, and the text edits."""
    hunks: list[Hunk]
    """Numbered change regions (updates only): what a per-hunk answer refers to."""
    diff: str
    """Unified diff with workspace-relative labels."""
    added: int
    removed: int


def change_of(f: FileEdit) -> FileDiff:
    """The change a file edit makes, computed now (`file_diff`: from its regions if known)."""
    return file_diff(f.old_text or "", f.new_text or "", f.changes)


def show_file(f: FileEdit, relative: Callable[[Path], str]) -> ShownFile:
    """Diff `f` once; `relative` names files as the user knows them (the diff's labels)."""
    rel = relative(f.path)
    new_rel = relative(f.move_to) if f.move_to else rel
    old_label = "/dev/null" if f.kind == "add" else f"a/{rel}"
    new_label = "/dev/null" if f.kind == "delete" else f"b/{new_rel}"
    change = change_of(f)
    hunks = change.hunks() if f.kind == "update" else []
    added, removed = change.counts()
    return ShownFile(f, change, hunks, change.unified(old_label, new_label), added, removed)
