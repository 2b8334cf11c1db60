"""Parse Codex's ``apply_patch`` text into a :class:`~codex_lsp.patch.model.Patch`.

Grammar (as in OpenAI Codex CLI, ``codex-rs/apply-patch``)::

    Patch      := "*** Begin Patch" NL { FileOp } "*** End Patch" NL?
    FileOp     := AddFile | DeleteFile | UpdateFile
    AddFile    := "*** Add File: " path NL { "+" line NL }
    DeleteFile := "*** Delete File: " path NL
    UpdateFile := "*** Update File: " path NL [ "*** Move to: " newPath NL ] { Hunk }
    Hunk       := "@@" [ " " context_header ] NL { HunkLine } [ "*** End of File" NL ]
    HunkLine   := (" " | "-" | "+") text NL

Leniencies, mostly the same as Codex's lenient mode:

* CRLF line endings and a leading BOM are accepted; blank lines around the patch
  and whitespace around the ``***`` marker lines are ignored.
* The patch may be wrapped in a heredoc (``<<'EOF'`` / ``<<EOF`` / ``<<"EOF"``,
  optionally preceded by ``apply_patch``, closed by ``EOF``) or a Markdown code
  fence, as models sometimes send it.
* The first hunk of an Update may omit its ``@@`` line.
* Inside a hunk an empty line is an empty context line; blank lines at the end
  of a hunk (before the next ``@@``/``***`` line) only separate hunks.
* Stacked ``@@`` headers (``@@ class A`` then ``@@ def f``) narrow the search
  step by step (:attr:`UpdateChunk.outer_contexts`).
* A unified-diff style header ``@@ -12,7 +12,8 @@ def f`` is accepted: the
  numbers are ignored and the trailing text (if any) is the context header.
* An Add File may contain blank lines between its ``+`` lines (empty lines).

Rejected, with :class:`PatchParseError` carrying the 1-based line number in the
text as given: missing Begin/End markers, a patch with no file operations, an
Update without hunks, hunk lines with any other prefix, unknown ``***`` headers,
empty paths. Absolute or ``..`` paths are *not* rejected here; that is the
caller's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codex_lsp.patch.model import AddFile, DeleteFile, Patch, UpdateChunk, UpdateFile

BEGIN_PATCH = "*** Begin Patch"
END_PATCH = "*** End Patch"
ADD_FILE = "*** Add File:"
DELETE_FILE = "*** Delete File:"
UPDATE_FILE = "*** Update File:"
MOVE_TO = "*** Move to:"
END_OF_FILE = "*** End of File"

_HEREDOC_OPEN = re.compile(r"^(?:apply_patch\s+)?<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1$")
_UNIFIED_HEADER = re.compile(r"^-\d+(?:,\d+)? \+\d+(?:,\d+)? @@(.*)$")
_EXPECTED_OP = "expected '*** Update File:', '*** Add File:', '*** Delete File:' or '*** End Patch'"


class PatchParseError(ValueError):
    """The patch text is malformed; ``line_number`` is 1-based in the given text."""

    def __init__(self, message: str, line_number: int) -> None:
        super().__init__(message, line_number)
        self.message = message
        self.line_number = line_number

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.message}"


@dataclass(frozen=True)
class _Line:
    number: int
    text: str


def _show(text: str, limit: int = 80) -> str:
    """Quote a patch line for an error message, shortened if long."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"'{text}'"


def _split_lines(text: str) -> list[_Line]:
    if text.startswith("\ufeff"):
        text = text[1:]
    raw = text.split("\n")
    return [_Line(i + 1, line[:-1] if line.endswith("\r") else line) for i, line in enumerate(raw)]


def _strip_blank_edges(lines: list[_Line]) -> list[_Line]:
    start, end = 0, len(lines)
    while start < end and not lines[start].text.strip():
        start += 1
    while end > start and not lines[end - 1].text.strip():
        end -= 1
    return lines[start:end]


def _unwrap(lines: list[_Line]) -> list[_Line]:
    """Remove a Markdown fence and/or a heredoc wrapper around the patch."""
    lines = _strip_blank_edges(lines)
    if len(lines) >= 2 and lines[0].text.strip().startswith("```"):
        if lines[-1].text.strip() == "```":
            lines = _strip_blank_edges(lines[1:-1])
    if lines:
        match = _HEREDOC_OPEN.match(lines[0].text.strip())
        if match is not None:
            tag = match.group(2)
            if len(lines) < 2 or not lines[-1].text.strip().endswith(tag):
                raise PatchParseError(
                    f"heredoc {lines[0].text.strip()} is not closed by a line '{tag}'",
                    lines[-1].number,
                )
            lines = _strip_blank_edges(lines[1:-1])
    return lines


def parse_patch(text: str) -> Patch:
    """Parse patch text into a :class:`Patch`; raise :class:`PatchParseError` if malformed."""
    all_lines = _split_lines(text)
    lines = _unwrap(all_lines)
    if not lines:
        raise PatchParseError("empty patch: expected '*** Begin Patch'", 1)
    first, last = lines[0], lines[-1]
    if first.text.strip() != BEGIN_PATCH:
        raise PatchParseError(f"expected '{BEGIN_PATCH}', got {_show(first.text)}", first.number)
    if len(lines) == 1:
        raise PatchParseError(f"expected '{END_PATCH}', got end of input", first.number + 1)
    if last.text.strip() != END_PATCH:
        raise PatchParseError(
            f"expected '{END_PATCH}' as the last line, got {_show(last.text)}", last.number
        )
    ops = _Parser(lines[1:-1]).parse_ops()
    if not ops:
        raise PatchParseError("patch contains no file operations", last.number)
    return Patch(ops=ops)


def _header_path(line: _Line, marker: str) -> str:
    path = line.text.strip()[len(marker) :].strip()
    if not path:
        raise PatchParseError(f"missing path after '{marker}'", line.number)
    return path


def _context_text(rest: str) -> str | None:
    """The context header of an ``@@`` line, given what follows ``@@``."""
    unified = _UNIFIED_HEADER.match(rest.strip())
    if unified is not None:
        rest = unified.group(1).strip()
    if not rest.strip():
        return None
    return rest[1:] if rest.startswith(" ") else rest.strip()


@dataclass
class _ChunkBuilder:
    contexts: list[str]
    header_line: int
    old: list[str]
    new: list[str]
    blanks: int = 0
    has_lines: bool = False

    def add(self, old: str | None, new: str | None) -> None:
        for _ in range(self.blanks):
            self.old.append("")
            self.new.append("")
        self.blanks = 0
        if old is not None:
            self.old.append(old)
        if new is not None:
            self.new.append(new)
        self.has_lines = True

    def build(self, is_end_of_file: bool) -> UpdateChunk:
        contexts = self.contexts
        return UpdateChunk(
            change_context=contexts[-1] if contexts else None,
            old_lines=self.old,
            new_lines=self.new,
            is_end_of_file=is_end_of_file,
            outer_contexts=tuple(contexts[:-1]),
        )


class _Hunks:
    """The chunks of one ``*** Update File`` section, built line by line."""

    def __init__(self) -> None:
        self.chunks: list[UpdateChunk] = []
        self.current: _ChunkBuilder | None = None
        # Contexts of `@@` lines not yet followed by any hunk line (stacking).
        self.pending: list[str] = []
        self.pending_line: int | None = None

    def finish(self, is_end_of_file: bool = False) -> None:
        current = self.current
        if current is None:
            return
        if current.has_lines:
            self.chunks.append(current.build(is_end_of_file))
            self.pending, self.pending_line = [], None
        else:
            # `@@ a` with nothing under it before the next `@@`: stack it.
            self.pending, self.pending_line = current.contexts, current.header_line
        self.current = None

    def start(self, context: str | None, number: int) -> None:
        """An `@@` line: a new chunk under the stacked contexts."""
        self.finish()
        contexts = [*self.pending, context] if context is not None else list(self.pending)
        self.current = _ChunkBuilder(contexts, self.pending_line or number, [], [])
        self.pending, self.pending_line = [], None

    def blank(self) -> None:
        if self.current is not None:
            self.current.blanks += 1

    def add(self, raw: str, number: int) -> None:
        """A ' ', '-' or '+' line."""
        if self.current is None:
            if self.chunks:
                raise PatchParseError(
                    f"expected '@@' to start a new hunk, got {_show(raw)}", number
                )
            self.current = _ChunkBuilder([], number, [], [])
        body = raw[1:]
        if raw[0] == " ":
            self.current.add(body, body)
        elif raw[0] == "-":
            self.current.add(body, None)
        else:
            self.current.add(None, body)

    def end_of_file(self, line: _Line) -> None:
        if self.current is None or not self.current.has_lines:
            raise PatchParseError(f"'{END_OF_FILE}' must follow the lines of a hunk", line.number)
        self.current.blanks = 0
        self.finish(is_end_of_file=True)

    def done(self) -> list[UpdateChunk]:
        self.finish()
        if self.pending_line is not None:
            raise PatchParseError("hunk has no lines", self.pending_line)
        return self.chunks


class _Parser:
    """Recursive-descent parser over the lines between Begin and End markers."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.pos = 0

    def _peek(self) -> _Line | None:
        return self.lines[self.pos] if self.pos < len(self.lines) else None

    def parse_ops(self) -> list[AddFile | DeleteFile | UpdateFile]:
        ops: list[AddFile | DeleteFile | UpdateFile] = []
        previous: AddFile | DeleteFile | UpdateFile | None = None
        while (line := self._peek()) is not None:
            stripped = line.text.strip()
            if not stripped:
                self.pos += 1
                continue
            if stripped.startswith(ADD_FILE):
                self.pos += 1
                previous = self._parse_add(line)
            elif stripped.startswith(DELETE_FILE):
                self.pos += 1
                previous = DeleteFile(path=_header_path(line, DELETE_FILE))
            elif stripped.startswith(UPDATE_FILE):
                self.pos += 1
                previous = self._parse_update(line)
            elif stripped == END_PATCH:
                raise PatchParseError(
                    f"'{END_PATCH}' must be the last line; text follows it", line.number
                )
            elif isinstance(previous, AddFile) and not stripped.startswith("*"):
                raise PatchParseError(
                    "expected every line of an added file to start with '+', "
                    f"got {_show(line.text)}",
                    line.number,
                )
            else:
                raise PatchParseError(f"{_EXPECTED_OP}, got {_show(line.text)}", line.number)
            ops.append(previous)
        return ops

    def _parse_add(self, header: _Line) -> AddFile:
        path = _header_path(header, ADD_FILE)
        content: list[str] = []
        blanks = 0
        while (line := self._peek()) is not None:
            if line.text.startswith("+"):
                content.extend([""] * blanks)
                blanks = 0
                content.append(line.text[1:])
            elif not line.text.strip():
                blanks += 1
            else:
                break
            self.pos += 1
        text = "".join(f"{line}\n" for line in content)
        return AddFile(path=path, content=text)

    def _parse_update(self, header: _Line) -> UpdateFile:
        path = _header_path(header, UPDATE_FILE)
        move_to: str | None = None
        while (line := self._peek()) is not None and not line.text.strip():
            self.pos += 1
        line = self._peek()
        if line is not None and line.text.strip().startswith(MOVE_TO):
            move_to = _header_path(line, MOVE_TO)
            self.pos += 1
        hunks = _Hunks()
        while (line := self._peek()) is not None:
            raw = line.text
            if raw.startswith("*") or (
                not raw.startswith((" ", "+", "-", "@")) and (raw.strip().startswith("*** "))
            ):
                if raw.strip() != END_OF_FILE:
                    break  # the next file operation (validated by parse_ops)
                hunks.end_of_file(line)
            elif raw.startswith("@@"):
                hunks.start(_context_text(raw[2:]), line.number)
            elif not raw.strip() and not raw.startswith((" ", "+", "-")):
                hunks.blank()
            elif raw.startswith((" ", "+", "-")):
                hunks.add(raw, line.number)
            else:
                raise PatchParseError(
                    "expected a hunk line starting with ' ' (context), '-' (remove), "
                    f"'+' (add), or '@@', got {_show(raw)}",
                    line.number,
                )
            self.pos += 1
        chunks = hunks.done()
        if not chunks:
            raise PatchParseError(
                f"'{UPDATE_FILE} {path}' has no hunks (expected '@@' and hunk lines)",
                header.number,
            )
        return UpdateFile(path=path, move_to=move_to, chunks=chunks)
