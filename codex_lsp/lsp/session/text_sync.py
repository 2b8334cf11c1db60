r"""Incremental text sync that costs what the change costs, not what the document costs.

pygls re-splits the whole document for every change in a `didChange`, so a
keystroke in a 10 MB file, or an applied 1,000-hunk edit (1,000 changes in one
notification), costs seconds. Here an edited document is kept as a list of
lines, each change only touches the lines it covers, and the text is joined
again only when something reads it.
Positions are UTF-16 (the server always negotiates UTF-16) and lines end at
`\r\n`, `\r` or `\n`, as LSP defines them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pygls.workspace import TextDocument

from codex_lsp.edits.lines import split_lsp_lines
from codex_lsp.edits.text_edits import chars_for_utf16_units

_EOL = ("\r\n", "\r", "\n")


def _content(line: str) -> str:
    for eol in _EOL:
        if line.endswith(eol):
            return line[: -len(eol)]
    return line


def apply_changes(text: str, changes: Sequence[Any]) -> str:
    """`text` after the `didChange` content changes, in order.

    A change with a `range` is incremental; one without replaces the document.
    """
    lines = split_lsp_lines(text)
    apply_changes_to_lines(lines, changes)
    return "".join(lines)


def apply_changes_to_lines(lines: list[str], changes: Sequence[Any]) -> None:
    """Apply `didChange` content changes to a document kept as a list of lines, in place."""
    for change in changes:
        rng = getattr(change, "range", None)
        if rng is None:
            lines[:] = split_lsp_lines(change.text)
            continue
        start_line, end_line = rng.start.line, rng.end.line
        if end_line < start_line or (
            end_line == start_line and rng.end.character < rng.start.character
        ):
            start_line, end_line = end_line, start_line
            rng = type(rng)(start=rng.end, end=rng.start)
        first = lines[start_line] if start_line < len(lines) else ""
        last = lines[end_line] if end_line < len(lines) else ""
        start_col = chars_for_utf16_units(_content(first), rng.start.character)
        end_col = chars_for_utf16_units(_content(last), rng.end.character)
        segment = first[:start_col] + change.text + last[end_col:]
        low = min(start_line, len(lines))
        stop = max(low, min(end_line + 1, len(lines)))
        if low > 0 and low == len(lines) and lines[-1] == _content(lines[-1]):
            # Past the end of a document without a final line break: same as its end.
            low -= 1
            segment = lines[low] + segment
        if segment.endswith("\r") and stop < len(lines) and lines[stop].startswith("\n"):
            # "\r" + "\n" join into one line break: re-split them together.
            segment += lines[stop]
            stop += 1
        if low > 0 and segment.startswith("\n") and lines[low - 1].endswith("\r"):
            low -= 1
            segment = lines[low] + segment
        lines[low:stop] = split_lsp_lines(segment)


class LinesTextDocument(TextDocument):
    """A pygls document kept as lines between changes, joined only when read.

    Typing in a large file then costs one line's work per keystroke; the text
    is assembled when the agent actually reads it (rarely, compared to edits).
    """

    _lines: list[str]
    _dirty: bool

    @property
    def source(self) -> str:
        if self._dirty:
            self._source = "".join(self._lines)
            self._dirty = False
        return super().source

    def lines_view(self) -> Sequence[str]:
        """The lines, with their breaks (read-only: changes go through `apply_lsp_changes`)."""
        return self._lines

    def apply_lsp_changes(self, changes: Sequence[Any], version: int | None) -> None:
        """Apply one notification's changes."""
        apply_changes_to_lines(self._lines, changes)
        self._dirty = True
        self.version = version


def adopt(doc: TextDocument) -> LinesTextDocument:
    """Turn a pygls document into a `LinesTextDocument` (once, on its first change)."""
    if not isinstance(doc, LinesTextDocument):
        lines = split_lsp_lines(doc.source)
        doc.__class__ = LinesTextDocument
        assert isinstance(doc, LinesTextDocument)
        doc._lines = lines
        doc._dirty = False
    return doc


def lines_of(doc: TextDocument) -> list[str]:
    """The document's lines (with their line breaks) without joining its text.

    Callers must not change the list: it is the document's own.
    """
    return adopt(doc)._lines
