"""Compute what a parsed patch does to each file, without touching the disk.

:func:`derive_changes` turns a :class:`~codex_lsp.patch.model.Patch` into a list
of :class:`FileChange` (one per file operation, in patch order), reading current
texts through a caller-supplied function. Writing the results is the caller's
job (e.g. through the editor's ``workspace/applyEdit``).

Update semantics follow Codex's ``apply-patch``:

* Hunks are located in order with :func:`~codex_lsp.patch.seek.seek_sequence`;
  each hunk is searched after the previous one, after seeking its ``@@``
  context header(s) first.
* A hunk with no context or removed lines (pure addition) is appended at the end
  of the file, unless it has an ``@@`` header: then it goes right after that line.
* Unlike Codex, context lines keep the file's own text when they were matched
  tolerantly (e.g. trailing spaces or curly quotes), so only ``-``/``+``
  lines change the file.
* The result is the file's lines joined with the file's own line ending (CRLF
  if its first line ended with CRLF, else LF) plus a final line ending, so an
  updated file always ends with a newline, as with Codex.
* Several operations on the same path run one after another: each sees the
  result of the previous ones (a deleted or moved-away file is then missing).
* ``*** Move to:`` onto an existing file replaces it, as Codex does; its text
  is kept as a delete change (`FileChange.replaced_by_move`), so the review
  shows it and an undo restores it.
"""

from __future__ import annotations

import difflib
import itertools
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from codex_lsp.core.protocol import LineChanges
from codex_lsp.patch.exact import apply_exact
from codex_lsp.patch.model import AddFile, DeleteFile, Patch, UpdateChunk
from codex_lsp.patch.regions import line_changes
from codex_lsp.patch.seek import seek_sequence


@dataclass(frozen=True)
class FileChange:
    """The effect of one file operation: texts before and after.

    ``path`` is the path as written in the patch; ``old_text`` is ``None`` for
    an add and ``new_text`` is ``None`` for a delete. For an update with
    ``*** Move to:``, ``new_text`` is the content of ``move_to`` and ``path``
    disappears.
    """

    path: str
    kind: Literal["add", "delete", "update"]
    old_text: str | None
    new_text: str | None
    move_to: str | None = None
    changes: LineChanges | None = field(default=None, compare=False)
    """Where an update changed the text, if the patch says so exactly (`patch.regions`)."""
    replaced_by_move: bool = False
    """A delete the patch did not write: a ``*** Move to:`` lands on this existing file."""


class PatchApplyError(Exception):
    """A patch does not fit the files: missing file, or a hunk that did not match.

    ``path`` names the file concerned and ``hunk`` the 1-based hunk index
    (``None`` when the error is not about a particular hunk).
    """

    def __init__(
        self, message: str, path: str | None = None, hunk: int | None = None, missing: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.hunk = hunk
        self.missing = missing
        """True when the error is that the file does not exist."""

    def __str__(self) -> str:
        return self.message


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def detect_line_ending(text: str) -> str:
    """CRLF if the first line of ``text`` ends with CRLF, else LF."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def split_file_lines(text: str) -> tuple[list[str], str]:
    """Split ``text`` into lines without endings; also return its line ending.

    The empty string after a final newline is not a line. With CRLF files the
    carriage return ending every line is removed too.
    """
    eol = detect_line_ending(text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if eol == "\r\n":
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines, eol


def _hunk_error(
    path: str, index: int, what: str, lines: Sequence[str], pattern: Sequence[str], cursor: int
) -> PatchApplyError:
    message = f"{path}: hunk {index} did not match: {what}"
    if cursor > 0:
        earlier = seek_sequence(lines, pattern, 0)
        if earlier is not None and earlier < cursor:
            message += (
                f" after line {cursor} (the lines occur earlier, at line {earlier + 1};"
                " hunks must be in file order)"
            )
    return PatchApplyError(message, path=path, hunk=index)


def _keep_context(
    matched: Sequence[str], pattern: Sequence[str], replacement: Sequence[str]
) -> list[str]:
    """``replacement``, but with context lines taken verbatim from the file.

    A tolerant match may have matched a context line that differs from the
    patch's (whitespace, typographic punctuation); such lines are not edits,
    so the file's own text is kept for them.
    """
    if list(matched) == list(pattern):
        return list(replacement)
    result: list[str] = []
    matcher = difflib.SequenceMatcher(None, pattern, replacement, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        result.extend(matched[i1:i2] if tag == "equal" else replacement[j1:j2])
    return result


def _replacements(
    lines: list[str], chunks: Sequence[UpdateChunk], path: str
) -> list[tuple[int, int, list[str], int]]:
    """``(start, old_len, new_lines, hunk_index)`` for every chunk, sorted by start."""
    found: list[tuple[int, int, list[str], int]] = []
    cursor = 0
    for index, chunk in enumerate(chunks, 1):
        contexts = list(chunk.outer_contexts)
        if chunk.change_context is not None:
            contexts.append(chunk.change_context)
        for context in contexts:
            at = seek_sequence(lines, [context], cursor)
            if at is None:
                raise _hunk_error(
                    path,
                    index,
                    f"could not find the context line '@@ {_shorten(context)}'",
                    lines,
                    [context],
                    cursor,
                )
            cursor = at + 1
        if not chunk.old_lines:
            where = len(lines) if chunk.is_end_of_file or not contexts else cursor
            found.append((where, 0, list(chunk.new_lines), index))
            continue
        pattern: Sequence[str] = chunk.old_lines
        replacement: Sequence[str] = chunk.new_lines
        start = seek_sequence(lines, pattern, cursor, eof=chunk.is_end_of_file)
        if start is None and pattern[-1] == "" and len(pattern) > 1:
            # A trailing empty context line often stands for the file's final
            # newline, which is not a line of its own here (Codex does the same).
            pattern = pattern[:-1]
            if replacement and replacement[-1] == "":
                replacement = replacement[:-1]
            start = seek_sequence(lines, pattern, cursor, eof=chunk.is_end_of_file)
        if start is None:
            raise _hunk_error(
                path,
                index,
                f"could not find lines starting with '{_shorten(chunk.old_lines[0])}'",
                lines,
                chunk.old_lines,
                cursor,
            )
        matched = lines[start : start + len(pattern)]
        found.append((start, len(pattern), _keep_context(matched, pattern, replacement), index))
        cursor = start + len(pattern)
    found.sort(key=lambda r: r[0])
    for before, after in itertools.pairwise(found):
        if after[0] < before[0] + before[1]:
            raise PatchApplyError(
                f"{path}: hunk {after[3]} overlaps hunk {before[3]}", path=path, hunk=after[3]
            )
    return found


def apply_chunks(text: str, chunks: Sequence[UpdateChunk], path: str = "<file>") -> str:
    """Apply an Update's hunks to ``text`` and return the new text.

    ``path`` is only used in error messages. Raises :class:`PatchApplyError`
    when a hunk or context line cannot be found.
    """
    return apply_chunks_located(text, chunks, path)[0]


def apply_chunks_located(
    text: str, chunks: Sequence[UpdateChunk], path: str = "<file>"
) -> tuple[str, LineChanges | None]:
    """:func:`apply_chunks`, and where the text changed (None: only a diff can tell)."""
    exact = apply_exact(text, chunks)
    if exact is not None:
        return exact
    return apply_by_lines(text, chunks, path)


def apply_by_lines(
    text: str, chunks: Sequence[UpdateChunk], path: str = "<file>"
) -> tuple[str, LineChanges | None]:
    """The general applier: split into lines, seek tolerantly, join (any text, any match)."""
    lines, eol = split_file_lines(text)
    found = _replacements(lines, chunks, path)
    result: list[str] = []
    copied = 0
    for start, old_len, new_lines, _index in found:
        result.extend(lines[copied:start])
        result.extend(new_lines)
        copied = start + old_len
    result.extend(lines[copied:])
    new = eol.join(result) + eol if result else ""
    return new, line_changes(text, lines, eol, found)


def _key(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


def derive_changes(patch: Patch, read_text: Callable[[str], str]) -> list[FileChange]:
    """Compute every operation's old and new text; pure apart from calling ``read_text``.

    ``read_text(path)`` is called (at most once per path) for updated and
    deleted files that the patch did not already create or change; it may raise
    ``FileNotFoundError``, reported as ``PatchApplyError("file not found: …")``.
    Added files are never read. Raises :class:`PatchApplyError` on the first
    problem; then no change should be applied.
    """
    state: dict[str, str | None] = {}

    def current(path: str) -> str:
        key = _key(path)
        if key in state:
            text = state[key]
            if text is None:
                raise PatchApplyError(f"file not found: {path}", path=path, missing=True)
            return text
        try:
            text = read_text(path)
        except FileNotFoundError as exc:
            raise PatchApplyError(f"file not found: {path}", path=path, missing=True) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise PatchApplyError(f"{path}: could not read file: {exc}", path=path) from exc
        state[key] = text
        return text

    changes: list[FileChange] = []
    for op in patch.ops:
        if isinstance(op, AddFile):
            state[_key(op.path)] = op.content
            changes.append(FileChange(op.path, "add", None, op.content))
        elif isinstance(op, DeleteFile):
            old = current(op.path)
            state[_key(op.path)] = None
            changes.append(FileChange(op.path, "delete", old, None))
        else:
            old = current(op.path)
            new, located = apply_chunks_located(old, op.chunks, op.path)
            move_to = op.move_to if op.move_to and _key(op.move_to) != _key(op.path) else None
            if move_to is not None:
                replaced = _existing_text(move_to, current)
                if replaced is not None:  # as Codex: the move replaces it (shown, undoable)
                    changes.append(FileChange(move_to, "delete", replaced, None, None, None, True))
                state[_key(op.path)] = None
                state[_key(move_to)] = new
            else:
                state[_key(op.path)] = new
            changes.append(FileChange(op.path, "update", old, new, move_to, located))
    return changes


def _existing_text(target: str, current: Callable[[str], str]) -> str | None:
    """The text of a ``*** Move to:`` target that exists, else None.

    Codex's move overwrites it; here its text is kept in a delete change, so
    the review shows what is replaced and an undo brings it back.
    """
    try:
        return current(target)
    except PatchApplyError as exc:
        if exc.missing:
            return None
        raise


def summarize(changes: Sequence[FileChange]) -> str:
    """Codex's result text: ``Success. Updated the following files:`` then A/M/D lines.

    Added files come first, then modified (a moved file is listed under its new
    path), then deleted; each path once per letter.
    """
    if not changes:
        return "No files were modified.\n"
    groups: dict[str, dict[str, None]] = {"A": {}, "M": {}, "D": {}}
    for change in changes:
        if change.kind == "add":
            groups["A"][change.path] = None
        elif change.kind == "delete" and not change.replaced_by_move:
            groups["D"][change.path] = None
        else:
            groups["M"][change.move_to or change.path] = None
    lines = ["Success. Updated the following files:"]
    for letter, paths in groups.items():
        lines.extend(f"{letter} {path}" for path in paths)
    return "\n".join(lines) + "\n"
