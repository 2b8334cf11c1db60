r"""Where an Update's chunks changed the file, so later steps need not diff whole texts.

:func:`~codex_lsp.patch.apply.apply_chunks` knows the line range each chunk
replaced; this turns those ranges into :class:`~codex_lsp.core.protocol.LineChanges`
(lines with endings, character offsets, context lines trimmed, touching
regions merged). The review's hunks, diff and counts and the editor's text
edits are then computed from the regions alone: their cost grows with the
change, not with the file.

Only texts whose lines all end with the one line ending the result is joined
with (and that have no lone ``\r``) get regions: for any other text the result
also rewrites line endings outside the chunks, which only a diff finds.
"""

from __future__ import annotations

from collections.abc import Sequence

from codex_lsp.core.protocol import LineChanges, LineRegion

Replacement = tuple[int, int, list[str], int]
"""``(start, old_len, new_lines, hunk_index)`` in lines without endings."""


def uniform_eol(text: str) -> str | None:
    r"""The line ending all of `text`'s lines end with (``"\n"`` if empty), if there is one."""
    first = text.find("\n")
    eol = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
    return eol if is_uniform(text, eol) else None


def is_uniform(text: str, eol: str) -> bool:
    r"""Every line of ``text`` ends with ``eol`` and no ``\r`` stands alone."""
    if not text:
        return True
    if not text.endswith(eol):
        return False
    if eol == "\n":
        return "\r" not in text
    crlf = text.count("\r\n")
    return text.count("\r") == crlf and text.count("\n") == crlf


def line_changes(
    text: str, lines: Sequence[str], eol: str, found: Sequence[Replacement]
) -> LineChanges | None:
    """The regions ``found`` replaces in ``text`` (split into ``lines``); None if not uniform."""
    if not is_uniform(text, eol):
        return None
    width = len(eol)
    regions: list[LineRegion] = []
    line = offset = 0
    for start, old_len, new_lines, _index in found:
        offset += sum(map(len, lines[line:start])) + (start - line) * width
        line = start
        old = tuple(x + eol for x in lines[start : start + old_len])
        region = tight(start, offset, old, tuple(x + eol for x in new_lines))
        if region is not None:
            regions.append(region)
    return LineChanges(len(lines), tuple(merge_touching(regions)))


def tight(
    start: int, offset: int, old: tuple[str, ...], new: tuple[str, ...]
) -> LineRegion | None:
    """The region without its unchanged first and last lines; None if nothing changes."""
    head = 0
    while head < len(old) and head < len(new) and old[head] == new[head]:
        head += 1
    tail = 0
    limit = min(len(old), len(new)) - head
    while tail < limit and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    if head == len(old) and head == len(new):
        return None
    offset += sum(map(len, old[:head]))
    return LineRegion(
        start + head, offset, old[head : len(old) - tail], new[head : len(new) - tail]
    )


def merge_touching(regions: list[LineRegion]) -> list[LineRegion]:
    """One region where two meet: a hunk is a maximal run of changed lines."""
    merged: list[LineRegion] = []
    for region in regions:
        last = merged[-1] if merged else None
        if last is not None and last.old_end == region.old_start:
            merged[-1] = LineRegion(
                last.old_start,
                last.old_offset,
                last.old_lines + region.old_lines,
                last.new_lines + region.new_lines,
            )
        else:
            merged.append(region)
    return merged
