"""Data model of a parsed Codex ``apply_patch`` patch: file operations and hunks.

The parser (:mod:`codex_lsp.patch.parser`) produces these objects and the
applier (:mod:`codex_lsp.patch.apply`) consumes them. They carry no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UpdateChunk:
    """One hunk of an ``*** Update File:`` operation.

    ``change_context`` is the text after ``@@ `` (``None`` for a bare ``@@`` or a
    first hunk without one); the applier seeks that line first and looks for
    ``old_lines`` after it. ``outer_contexts`` holds the lines of any earlier
    ``@@`` headers stacked directly above this one (outermost first, e.g.
    ``@@ class Foo`` above ``@@ def bar``); they are sought, in order, before
    ``change_context``. ``old_lines``/``new_lines`` are the lines without
    their newline; context lines appear in both. ``is_end_of_file`` is set by
    a trailing ``*** End of File`` marker: ``old_lines`` must end the file.
    """

    change_context: str | None
    old_lines: list[str]
    new_lines: list[str]
    is_end_of_file: bool = False
    outer_contexts: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class AddFile:
    """``*** Add File:`` — create (or overwrite) ``path`` with ``content``."""

    path: str
    content: str


@dataclass(frozen=True)
class DeleteFile:
    """``*** Delete File:`` — remove ``path``."""

    path: str


@dataclass(frozen=True)
class UpdateFile:
    """``*** Update File:`` — edit ``path`` hunk by hunk, optionally renaming it."""

    path: str
    move_to: str | None
    chunks: list[UpdateChunk]


FileOp = AddFile | DeleteFile | UpdateFile


@dataclass(frozen=True)
class Patch:
    """A whole patch: its file operations in the order they were written."""

    ops: list[FileOp]
