"""One file's change as every consumer needs it: hunks, unified diff, +/- counts, text edits.

:func:`file_diff` picks how to find the change, once per file:

* from the regions the patch replaced (:class:`~codex_lsp.core.protocol.LineChanges`),
  when the patch step could tell them: the cost then grows with the change,
  not the file (a one-line edit of a 10 MB file diffs one line);
* else from one whole-text line diff, computed once and shared by the hunks,
  the diff and the counts.

Either way the hunks are the ones shown to the user and the ones a partial
approval refers to (:func:`codex_lsp.edits.hunks.apply_hunks` takes them).
:func:`show_file` computes it once per file of a proposed edit (:class:`ShownFile`):
every host shows it, and the editor's `WorkspaceEdit` is made from the same value.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from codex_lsp.core.protocol import FileEdit, Hunk, LineChanges
from codex_lsp.edits.diff import render_unified
from codex_lsp.edits.hunks import hunks_of
from codex_lsp.edits.lines import Opcode, group_opcodes, line_opcodes, split_lines
from codex_lsp.edits.text_edits import TextEditSpec, minimal_text_edits


class FileDiff:
    """The change from ``old`` to ``new`` found by a whole-text line diff."""

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new

    @cached_property
    def _lines(self) -> tuple[list[str], list[str], list[Opcode]]:
        a, b = split_lines(self.old), split_lines(self.new)
        return a, b, line_opcodes(a, b)

    def opcodes(self) -> list[Opcode]:
        return self._lines[2]

    def old_lines(self, where: slice) -> Sequence[str]:
        return self._lines[0][where]

    def new_lines(self, where: slice) -> Sequence[str]:
        return self._lines[1][where]

    def hunks(self) -> list[Hunk]:
        """Numbered change regions (the review's per-hunk answers refer to these)."""
        return hunks_of(self.opcodes(), self.old_lines, self.new_lines)

    def counts(self) -> tuple[int, int]:
        """``(added, removed)`` lines."""
        added = removed = 0
        for tag, i1, i2, j1, j2 in self.opcodes():
            if tag != "equal":
                added += j2 - j1
                removed += i2 - i1
        return added, removed

    def unified(self, old_label: str, new_label: str, context: int = 3) -> str:
        """``git diff``-style text; ``""`` when nothing changed."""
        groups = group_opcodes(self.opcodes(), context)
        return render_unified(groups, self.old_lines, self.new_lines, old_label, new_label)

    def text_edits(self) -> list[TextEditSpec]:
        """Minimal LSP edits turning ``old`` into ``new``."""
        return minimal_text_edits(self.old, self.new)


class RegionDiff(FileDiff):
    """The change known from the regions a patch replaced: no whole-text work at all."""

    def __init__(self, old: str, new: str, changes: LineChanges) -> None:
        super().__init__(old, new)
        self.regions = changes.regions
        self.old_count = changes.old_line_count
        self._starts = [r.old_start for r in self.regions]
        shifts = itertools.accumulate(
            (len(r.new_lines) - len(r.old_lines) for r in self.regions), initial=0
        )
        self._new_starts = [r.old_start + d for r, d in zip(self.regions, shifts, strict=False)]
        self._ends = [r.old_offset + sum(map(len, r.old_lines)) for r in self.regions]

    @cached_property
    def _codes(self) -> list[Opcode]:
        codes: list[Opcode] = []
        line = shift = 0
        for region, new_start in zip(self.regions, self._new_starts, strict=True):
            if region.old_start > line:
                codes.append(("equal", line, region.old_start, line + shift, new_start))
            for tag, i1, i2, j1, j2 in line_opcodes(region.old_lines, region.new_lines):
                o, n = region.old_start, new_start
                codes.append((tag, i1 + o, i2 + o, j1 + n, j2 + n))
            line = region.old_end
            shift = new_start + len(region.new_lines) - region.old_end
        if self.old_count > line:
            codes.append(("equal", line, self.old_count, line + shift, self.old_count + shift))
        return codes

    def opcodes(self) -> list[Opcode]:
        return self._codes

    def old_lines(self, where: slice) -> Sequence[str]:
        """Old lines ``where``: from a region, or (context) read around one."""
        i1, i2 = where.start, where.stop
        k = bisect.bisect_right(self._starts, i1) - 1
        if k >= 0 and i1 < self.regions[k].old_end:
            region = self.regions[k]
            return region.old_lines[i1 - region.old_start : i2 - region.old_start]
        if k + 1 < len(self.regions) and i2 == self._starts[k + 1]:
            return _lines_before(self.old, self.regions[k + 1].old_offset, i2 - i1)
        base, offset = (self.regions[k].old_end, self._ends[k]) if k >= 0 else (0, 0)
        return _lines_after(self.old, offset, i2 - base)[i1 - base :]

    def new_lines(self, where: slice) -> Sequence[str]:
        """New lines ``where``; only asked for inside a region (changes are all there)."""
        j1, j2 = where.start, where.stop
        k = bisect.bisect_right(self._new_starts, j1) - 1
        if k < 0:
            return []
        region, start = self.regions[k], self._new_starts[k]
        return region.new_lines[j1 - start : j2 - start]

    def text_edits(self) -> list[TextEditSpec]:
        edits: list[TextEditSpec] = []
        for region in self.regions:
            for e in minimal_text_edits("".join(region.old_lines), "".join(region.new_lines)):
                o = region.old_start
                edits.append(
                    TextEditSpec(
                        e.start_line + o, e.start_character, e.end_line + o, e.end_character,
                        e.new_text,
                    )
                )
        return edits


def _lines_before(text: str, offset: int, n: int) -> list[str]:
    """The ``n`` lines ending at ``offset`` (a line start)."""
    start = offset
    for _ in range(n):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return split_lines(text[start:offset])


def _lines_after(text: str, offset: int, n: int) -> list[str]:
    """The ``n`` lines starting at ``offset`` (a line start)."""
    end = offset
    for _ in range(n):
        found = text.find("\n", end)
        if found < 0:
            end = len(text)
            break
        end = found + 1
    return split_lines(text[offset:end])


def file_diff(old: str, new: str, changes: LineChanges | None = None) -> FileDiff:
    """The cheapest exact view of the change: from the patch's regions if known."""
    if changes is not None:
        return RegionDiff(old, new, changes)
    return FileDiff(old, new)


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


__all__ = ["FileDiff", "RegionDiff", "ShownFile", "change_of", "file_diff", "show_file"]
