"""Workspace roots and the one rule that matters: nothing outside them is touched.

The path policy is one method, `Workspace.permitted`: a path is usable only
if its real location (every symlink followed) lies inside a root. Every path
the model names goes through `Workspace.resolve`, which applies it, and every
tool that walks folders (`grep_files`, `list_dir`) applies it again to each
entry it finds, so `../x`, absolute paths elsewhere and symlinks that point
out are all refused, whichever tool is asked.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded on use: the workspace is built before the server loads
    from codex_lsp.core.protocol import Snapshot

MAX_TEXT_BYTES = 8 * 1024 * 1024
"""Files larger than this are not loaded as text for the model."""


class OutsideWorkspace(Exception):
    """The model named a path outside every workspace root."""


class UnreadableFile(Exception):
    """A file that cannot be used as text: missing, binary, too large."""


class Workspace:
    """The folders the agent may read and (with approval) write.

    Folders come and go (`workspace/didChangeWorkspaceFolders`); a turn works in
    a view rooted at the folder of the document it started from (`rooted_at`),
    which shares the folder list, so a change applies to running turns too.
    """

    def __init__(self, roots: list[Path]) -> None:
        if not roots:
            roots = [Path.cwd()]
        self.roots = [Path(os.path.realpath(r)) for r in roots]
        self.spellings: dict[Path, Path] = {}
        """Each real root as the editor named it (a symlink, another case), to name files back."""
        for root in roots:
            self.spellings.setdefault(Path(os.path.realpath(root)), Path(os.path.abspath(root)))
        self.home: Path | None = None
        """This view's folder for relative paths, the shell and AGENTS.md (None: the first)."""

    @property
    def primary(self) -> Path:
        """Relative paths from the model are taken from here: `home`, else the first root."""
        if self.home is not None and self.home in self.roots:
            return self.home
        return self.roots[0]

    def permitted(self, path: Path, shown: str | None = None) -> Path:
        """The real path of `path` if it lies inside a root, else `OutsideWorkspace`.

        The one path policy for reads and writes: symlinks are followed first,
        so a link inside the workspace that points out is as far out as its
        target. `shown` is the name used in the error message.
        """
        real = Path(os.path.realpath(path))
        if not self._roots_holding(real):
            raise OutsideWorkspace(
                f"{shown or path} is outside the workspace "
                f"({', '.join(map(str, self.roots))}); refused"
            )
        return real

    def add_root(self, root: Path) -> None:
        """A folder added to the editor's workspace."""
        real = Path(os.path.realpath(root))
        if real not in self.roots:
            self.roots.append(real)
            self.spellings[real] = Path(os.path.abspath(root))

    def remove_root(self, root: Path) -> bool:
        """A folder removed from the editor's workspace; the last one is kept (False)."""
        real = Path(os.path.realpath(root))
        if real not in self.roots or len(self.roots) == 1:
            return False
        self.roots.remove(real)
        return True

    def as_named(self, path: Path) -> Path:
        """`path` (a real path) under its root as the editor named that root.

        The path policy works on real paths; what goes back to the editor must be
        spelled as the editor knows it, or it opens a second copy of the file.
        """
        root = self.root_of(path)
        named = self.spellings.get(root) if root is not None else None
        if root is None or named is None or named == root:
            return path
        real = Path(os.path.realpath(path))
        return named / real.relative_to(root) if real != root else named

    def root_of(self, path: Path) -> Path | None:
        """The innermost root that contains `path`, if any."""
        inside = self._roots_holding(Path(os.path.realpath(path)))
        return max(inside, key=lambda r: len(r.parts)) if inside else None

    def _roots_holding(self, real: Path) -> list[Path]:
        """The roots `real` (a resolved path) lies in: the one test `permitted` uses too."""
        return [r for r in self.roots if real == r or real.is_relative_to(r)]

    def rooted_at(self, path: Path | None) -> Workspace:
        """A view whose primary folder is the one holding `path` (self if none does)."""
        root = self.root_of(path) if path is not None else None
        if root is None or root == self.primary:
            return self
        view = copy.copy(self)  # shares `roots`: folder changes reach the view
        view.home = root
        return view

    def contains(self, path: Path) -> bool:
        """True if the real location of `path` lies inside a root."""
        try:
            self.permitted(path)
        except OutsideWorkspace:
            return False
        return True

    def resolve(self, name: str, cwd: Path | None = None) -> Path:
        """Absolute, symlink-free path for `name`, or `OutsideWorkspace`."""
        if not name or "\x00" in name:
            raise OutsideWorkspace(f"invalid path {name!r}")
        raw = Path(os.path.expanduser(name)) if name.startswith("~") else Path(name)
        candidate = raw if raw.is_absolute() else (cwd or self.primary) / raw
        return self.permitted(candidate, name)

    def relative(self, path: Path) -> str:
        """Path as shown to the model and the user: relative to its root when possible."""
        for root in self.roots:
            if path == root or path.is_relative_to(root):
                return path.relative_to(root).as_posix() or "."
        return str(path)


def read_text_file(path: Path) -> str:
    """Read a workspace file as UTF-8 text, refusing binary and huge files clearly."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise UnreadableFile(f"file not found: {path}") from exc
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror}") from exc
    if path.is_dir():
        raise UnreadableFile(f"{path} is a directory")
    if size > MAX_TEXT_BYTES:
        raise UnreadableFile(f"{path} is too large ({size} bytes) to load as text")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise UnreadableFile(f"{path} is a binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path} is not UTF-8 text") from exc


def read_text_if_present(path: Path) -> str | None:
    """The file's text, or None if it is missing or unusable as text (staleness checks)."""
    try:
        return read_text_file(path)
    except UnreadableFile:
        return None


def snapshot_of(path: Path, open_buffer: Callable[[Path], Snapshot | None]) -> Snapshot:
    """The editor's buffer if open (unsaved edits included), else the file on disk."""
    snap = open_buffer(path)
    if snap is not None:
        return snap
    from codex_lsp.core.protocol import Snapshot

    return Snapshot(text=read_text_file(path), version=None)
