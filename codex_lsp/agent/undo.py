"""Undo the last turn's edits, without git, and never over the user's own changes.

For each file Codex changed, the current text is compared with what Codex
wrote. If the user edited other lines since, Codex's hunks are reverted and
the user's lines kept (a three-way merge by line); if the user edited the
same lines (or touching ones), the undo is refused for the whole turn.
"""

from __future__ import annotations

from collections.abc import Callable
from difflib import SequenceMatcher
from pathlib import Path

from codex_lsp.core.protocol import FileEdit, Snapshot
from codex_lsp.edits.lines import split_lsp_lines


class UndoRefused(Exception):
    """The files changed in a way that makes an undo unsafe."""


def _lines(text: str) -> list[str]:
    return split_lsp_lines(text)


def _changes(a: list[str], b: list[str]) -> list[tuple[int, int, list[str]]]:
    """Changed regions of `a` (start, end) and what `b` has there."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return [(i1, i2, b[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def revert_text(before: str, written: str, current: str) -> str | None:
    """`current` with Codex's change (`before` -> `written`) taken back, or None on conflict."""
    if current == written:
        return before
    written_lines = _lines(written)
    # Codex's change, expressed on `written`: each region goes back to `before`'s lines.
    codex = _changes(written_lines, _lines(before))
    # The user's change since, also expressed on `written`.
    user = _changes(written_lines, _lines(current))
    for c_start, c_end, _ in codex:
        for u_start, u_end, _ in user:
            if c_start <= u_end and u_start <= c_end:
                return None
    merged = list(written_lines)
    for start, end, replacement in sorted([*codex, *user], key=lambda r: r[0], reverse=True):
        merged[start:end] = replacement
    return "".join(merged)


def plan_undo(edits: list[FileEdit], current: Callable[[Path], Snapshot | None]) -> list[FileEdit]:
    """The edits that take the workspace back to before `edits`, or `UndoRefused`."""
    originals: dict[Path, Snapshot | None] = {}
    state: dict[Path, str | None] = {}

    def text_of(path: Path) -> str | None:
        if path not in state:
            snap = current(path)
            originals[path] = snap
            state[path] = snap.text if snap is not None else None
        return state[path]

    for edit in reversed(edits):
        name = edit.path.name
        if edit.kind == "add":
            now = text_of(edit.path)
            if now is None:
                continue  # already gone
            if now != edit.new_text:
                raise UndoRefused(f"{name} changed since Codex created it; undo refused")
            state[edit.path] = None
        elif edit.kind == "delete":
            if text_of(edit.path) is not None:
                raise UndoRefused(f"{name} exists again since Codex deleted it; undo refused")
            state[edit.path] = edit.old_text
        else:
            where = edit.move_to or edit.path
            now = text_of(where)
            if now is None:
                raise UndoRefused(f"{where.name} no longer exists; undo refused")
            reverted = revert_text(edit.old_text or "", edit.new_text or "", now)
            if reverted is None:
                raise UndoRefused(
                    f"{where.name}: the lines Codex changed were edited since; undo refused"
                )
            if edit.move_to is not None and edit.move_to != edit.path:
                if text_of(edit.path) is not None:
                    raise UndoRefused(f"{name} exists again since Codex moved it; undo refused")
                state[edit.move_to] = None
            state[edit.path] = reverted

    plan: list[FileEdit] = []
    # Deletions first: a file Codex added may sit in a folder that was a file before.
    for path, final in sorted(state.items(), key=lambda item: item[1] is not None):
        snap = originals.get(path)
        before = snap.text if snap is not None else None
        version = snap.version if snap is not None else None
        if before == final:
            continue
        if before is None:
            plan.append(FileEdit(path, "add", None, final))
        elif final is None:
            plan.append(FileEdit(path, "delete", before, None, version))
        else:
            plan.append(FileEdit(path, "update", before, final, version))
    return plan
