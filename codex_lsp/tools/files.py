"""Read-only workspace tools: `read_file`, `list_dir`, `grep_files`.

They read the editor's buffer for open documents, so the model sees the
user's unsaved text, and they never leave the workspace: every path, the one
the model names and each entry found while walking a folder, passes the one
path policy (`Workspace.permitted`), so a symlink that points out is neither
read nor descended. Lines are numbered as the editor numbers them (`lsp_lines`).
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Any

from codex_lsp.core.workspace import (
    OutsideWorkspace,
    UnreadableFile,
    Workspace,
    snapshot_of,
)
from codex_lsp.edits.lines import lsp_lines
from codex_lsp.tools.base import ToolContext, ToolFailure, optional_int, require_str

SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".mypy_cache", ".ruff_cache"}
MAX_LINE_CHARS = 500
MAX_GREP_MATCHES = 200
MAX_LIST_ENTRIES = 500


def _resolve(ctx: ToolContext, name: str) -> Path:
    try:
        return ctx.workspace.resolve(name)
    except OutsideWorkspace as exc:
        raise ToolFailure(str(exc)) from exc


class ReadFile:
    """Show numbered lines of a file (buffer text when the file is open)."""

    name = "read_file"
    description = (
        "Read a text file from the workspace. Returns numbered lines. "
        "Use offset (1-based line) and limit to page through large files."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "Path relative to the workspace root."},
            "offset": {"type": "integer", "description": "First line to show (1-based)."},
            "limit": {"type": "integer", "description": "Maximum number of lines (default 2000)."},
        },
        "required": ["path"],
        "additionalProperties": False,
    }

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        path = _resolve(ctx, require_str(args, "path"))
        offset = max(1, optional_int(args, "offset", 1))
        limit = max(1, optional_int(args, "limit", 2000))
        try:
            text = snapshot_of(path, ctx.host.snapshot).text
        except UnreadableFile as exc:
            raise ToolFailure(str(exc)) from exc
        lines = lsp_lines(text)
        if offset > max(1, len(lines)):
            raise ToolFailure(f"offset {offset} is past the end of the file ({len(lines)} lines)")
        chosen = lines[offset - 1 : offset - 1 + limit]
        out = [f"L{n}: {line[:MAX_LINE_CHARS]}" for n, line in enumerate(chosen, start=offset)]
        if offset - 1 + limit < len(lines):
            out.append(f"... ({len(lines) - (offset - 1 + limit)} more lines)")
        return "\n".join(out)


class ListDir:
    """List a folder's entries (folders end with '/')."""

    name = "list_dir"
    description = "List the entries of a workspace folder. Folders end with '/'."
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {"path": {"type": "string", "description": "Folder, relative to root."}},
        "required": [],
        "additionalProperties": False,
    }

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        path = _resolve(ctx, str(args.get("path") or "."))
        if not path.is_dir():
            raise ToolFailure(f"not a directory: {args.get('path') or '.'}")
        entries = sorted(os.scandir(path), key=lambda e: e.name)
        names = [_label(ctx.workspace, e) for e in entries if e.name not in {".git"}]
        more = len(names) - MAX_LIST_ENTRIES
        shown = names[:MAX_LIST_ENTRIES]
        if more > 0:
            shown.append(f"... ({more} more entries)")
        return "\n".join(shown) if shown else "(empty)"


class GrepFiles:
    """Search files for a regular expression (Python syntax)."""

    name = "grep_files"
    description = (
        "Search workspace files for a regular expression. Returns path:line: text matches. "
        "Optional path (folder or file) and include (glob such as '*.py')."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string"},
            "path": {"type": "string"},
            "include": {"type": "string"},
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        pattern = require_str(args, "pattern")
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ToolFailure(f"invalid regular expression: {exc}") from exc
        base = _resolve(ctx, str(args.get("path") or "."))
        include = args.get("include")
        matches: list[str] = []
        for file in _walk(ctx.workspace, base):
            if include and not fnmatch.fnmatch(file.name, str(include)):
                continue
            try:
                text = snapshot_of(file, ctx.host.snapshot).text
            except UnreadableFile:
                continue
            rel = ctx.workspace.relative(file)
            for n, line in enumerate(lsp_lines(text), start=1):
                if regex.search(line):
                    matches.append(f"{rel}:{n}: {line[:MAX_LINE_CHARS]}")
                    if len(matches) >= MAX_GREP_MATCHES:
                        return "\n".join(matches) + "\n... (more matches omitted)"
        return "\n".join(matches) if matches else "No matches."


OUTSIDE_LINK = " -> (link out of the workspace, not readable)"


def _label(workspace: Workspace, entry: os.DirEntry[str]) -> str:
    """An entry's name as listed: folders end with '/', links out say so."""
    if entry.is_symlink() and not workspace.contains(Path(entry.path)):
        return entry.name + OUTSIDE_LINK
    return entry.name + ("/" if entry.is_dir() else "")


def _walk(workspace: Workspace, base: Path) -> list[Path]:
    """Files under `base` that the path policy allows (links out are skipped).

    Symlinked folders are not descended (`os.walk` default), and each file's
    real path is checked, so a link to a file outside is never read.
    """
    if base.is_file():
        return [base]
    found: list[Path] = []
    for root, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(
            Path(root) / name for name in sorted(files) if workspace.contains(Path(root) / name)
        )
    return found
