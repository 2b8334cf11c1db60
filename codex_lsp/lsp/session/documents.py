"""The editor's open documents as the agent sees them: snapshots, versions, paths.

One service for the command handlers and the agent's host (`LspHost`), so both
read a buffer the same way (unsaved text and version when open, else the file on
disk) and the host never reaches back into the server for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from codex_lsp.core.protocol import Snapshot
from codex_lsp.core.workspace import OutsideWorkspace, UnreadableFile, Workspace, snapshot_of
from codex_lsp.edits.lines import split_lsp_lines
from codex_lsp.lsp.session.text_sync import adopt

LANGUAGE_BY_SUFFIX = {
    ".py": "python",
    ".ts": "typescript",
    ".js": "javascript",
    ".lua": "lua",
    ".rs": "rust",
    ".go": "go",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".md": "markdown",
    ".sh": "bash",
    ".rb": "ruby",
    ".toml": "toml",
    ".json": "json",
    ".yaml": "yaml",
}


class NotAFile(ValueError):
    """A URI that names no file on this machine."""


class Documents:
    """Open documents (from pygls's workspace) and the workspace folders they live in."""

    def __init__(
        self,
        open_documents: Callable[[], dict[str, TextDocument]],
        workspace: Callable[[], Workspace],
    ) -> None:
        self._open_documents = open_documents
        self._workspace = workspace

    @property
    def workspace(self) -> Workspace:
        """The workspace folders (they change with `didChangeWorkspaceFolders`)."""
        return self._workspace()

    def open_document(self, path: Path) -> TextDocument | None:
        """The editor's document for `path`, only if the client has it open."""
        uri = from_fs_path(str(path))
        docs = self._open_documents()
        doc = docs.get(uri) if uri else None
        if doc is None and uri:
            for candidate in docs.values():
                if candidate.path and os.path.realpath(candidate.path) == str(path):
                    return candidate
        return doc

    def uri_for(self, path: Path) -> str:
        """The URI the editor knows `path` by (symlinks and case included).

        The open document's own URI, else the path under its workspace folder as
        the editor named that folder.
        """
        doc = self.open_document(path)
        if doc is not None:
            return doc.uri
        named = self.workspace.as_named(path)
        return from_fs_path(str(named)) or named.as_uri()

    def by_uri(self, uri: str) -> TextDocument | None:
        """The open document with this URI, if any."""
        return self._open_documents().get(uri)

    def open_list(self) -> list[TextDocument]:
        """Every open document."""
        return list(self._open_documents().values())

    def snapshot(self, path: Path) -> Snapshot | None:
        """Text and version of the open buffer for `path` (None when not open)."""
        doc = self.open_document(path)
        if doc is None:
            return None
        return Snapshot(text=doc.source, version=doc.version)

    def text(self, path: Path) -> str:
        """Buffer text if open, else the file on disk; `UnreadableFile` says why not."""
        return snapshot_of(path, self.snapshot).text

    def lines(self, path: Path) -> Sequence[str]:
        """LSP lines (with their breaks) of the buffer if open, else of the file on disk.

        An open buffer keeps its lines between changes (`documents.adopt`), so a
        selection in a 10 MB file costs the lines it takes, not a split of the file.
        """
        doc = self.open_document(path)
        if doc is not None:
            return adopt(doc).lines_view()
        return split_lsp_lines(self.text(path))

    def language_id(self, path: Path) -> str:
        """The document's language id, for fenced code in prompts."""
        doc = self.open_document(path)
        if doc is not None and doc.language_id:
            return doc.language_id
        return LANGUAGE_BY_SUFFIX.get(path.suffix, "")

    def relative(self, path: Path) -> str:
        """Workspace-relative path for display."""
        return self.workspace.relative(path)

    def resolve(self, uri: str) -> Path:
        """The workspace file `uri` names; `NotAFile` or `OutsideWorkspace` says why not."""
        return self.workspace.resolve(str(path_of(uri)))

    def workspace_path(self, uri: str) -> str | None:
        """The absolute path `uri` is filed under (None: not a file of the workspace).

        Findings and pending changes are kept by this path.
        """
        try:
            return str(self.resolve(uri))
        except (NotAFile, OutsideWorkspace):
            return None

    def root_for(self, origin: Path | None) -> Path:
        """The workspace folder a command started from `origin` works in."""
        return self.workspace.rooted_at(origin).primary


def path_of(uri: str) -> Path:
    """File system path of a `file:` URI; `NotAFile` otherwise."""
    path = to_fs_path(uri)
    if path is None:
        raise NotAFile(f"not a file URI: {uri}")
    return Path(path)


def origin_of(uri: str | None) -> Path | None:
    """The document a command was started from, if its `uri` names a file."""
    path = to_fs_path(uri) if uri and uri.startswith("file:") else None
    return Path(path) if path else None


__all__ = ["Documents", "NotAFile", "UnreadableFile", "origin_of", "path_of"]
