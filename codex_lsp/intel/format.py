"""LSP answers (JSON) as short text the model reads, inside the workspace policy.

Locations outside the workspace are counted, never shown: the tools may not
reveal what the path policy would not let `read_file` read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from codex_lsp.core.workspace import UnreadableFile, Workspace
from codex_lsp.edits.lines import lsp_lines
from codex_lsp.intel.backend import IntelUnavailable
from codex_lsp.intel.uris import uri_path

MAX_LOCATIONS = 100
MAX_SYMBOLS = 200
MAX_HOVER_CHARS = 4000

SYMBOL_KINDS = (
    "file module namespace package class method property field constructor enum interface "
    "function variable constant string number boolean array object key null enummember struct "
    "event operator typeparameter"
).split()

LineReader = Callable[[Path], str | None]
"""The text of a workspace file (buffer first), or None when unreadable."""


def _kind(number: object) -> str:
    return SYMBOL_KINDS[number - 1] if isinstance(number, int) and 0 < number <= 26 else "symbol"


def _start(location: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(uri, start position) of a Location or LocationLink."""
    if "targetUri" in location:
        rng = location.get("targetSelectionRange") or location.get("targetRange") or {}
        return str(location["targetUri"]), rng.get("start", {})
    return str(location.get("uri", "")), location.get("range", {}).get("start", {})


def locations(answer: Any, ws: Workspace, read: LineReader, cap: int = MAX_LOCATIONS) -> str:
    """`path:line:col: source line`, one per location, workspace files only."""
    items = answer if isinstance(answer, list) else [answer] if answer else []
    shown: list[str] = []
    outside = 0
    for item in items:
        uri, start = _start(item)
        try:
            path = ws.permitted(uri_path(uri))
        except Exception:
            outside += 1
            continue
        line = int(start.get("line", 0)) + 1
        text = read(path)
        lines = lsp_lines(text) if text is not None else []
        source = lines[line - 1].strip()[:200] if 0 < line <= len(lines) else ""
        col = int(start.get("character", 0)) + 1
        shown.append(f"{ws.relative(path)}:{line}:{col}: {source}".rstrip())
    out = shown[:cap]
    if len(shown) > cap:
        out.append(f"... and {len(shown) - cap} more")
    if outside:
        out.append(f"({outside} location(s) outside the workspace, not shown)")
    return "\n".join(out) if out else "No locations found."


def hover(answer: Any) -> str:
    """The hover's text (markdown kept as is)."""
    if not isinstance(answer, dict):
        return "No information at this position."
    contents = answer.get("contents")
    parts: list[str] = []
    for piece in contents if isinstance(contents, list) else [contents]:
        if isinstance(piece, str):
            parts.append(piece)
        elif isinstance(piece, dict):
            parts.append(str(piece.get("value", "")))
    text = "\n\n".join(p for p in parts if p).strip()
    return text[:MAX_HOVER_CHARS] or "No information at this position."


def document_symbols(answer: Any) -> str:
    """An outline: `kind name  Lstart-end`, children indented."""
    lines: list[str] = []

    def walk(items: list[dict[str, Any]], depth: int) -> None:
        for item in items:
            if len(lines) >= MAX_SYMBOLS:
                return
            rng = item.get("range") or item.get("location", {}).get("range", {})
            start = int(rng.get("start", {}).get("line", 0)) + 1
            end = int(rng.get("end", {}).get("line", 0)) + 1
            detail = f" {item['detail']}" if item.get("detail") else ""
            name = f"{_kind(item.get('kind'))} {item.get('name')}{detail}"
            lines.append(f"{'  ' * depth}{name}  L{start}-{end}")
            walk(item.get("children") or [], depth + 1)

    walk(answer if isinstance(answer, list) else [], 0)
    return "\n".join(lines) if lines else "No symbols found."


def workspace_symbols(answer: Any, ws: Workspace) -> str:
    """`kind name (container)  path:line`, workspace files only."""
    out: list[str] = []
    outside = 0
    for item in answer if isinstance(answer, list) else []:
        uri, start = _start(item.get("location", {}))
        try:
            path = ws.permitted(uri_path(uri))
        except Exception:
            outside += 1
            continue
        container = f" ({item['containerName']})" if item.get("containerName") else ""
        line = int(start.get("line", 0)) + 1
        name = f"{_kind(item.get('kind'))} {item.get('name')}{container}"
        out.append(f"{name}  {ws.relative(path)}:{line}")
    shown = out[:MAX_SYMBOLS]
    if len(out) > MAX_SYMBOLS:
        shown.append(f"... and {len(out) - MAX_SYMBOLS} more")
    if outside:
        shown.append(f"({outside} symbol(s) outside the workspace, not shown)")
    return "\n".join(shown) if shown else "No symbols found."


def reader(snapshot: Callable[[Path], str]) -> LineReader:
    """A `LineReader` that reports unreadable files as None instead of failing."""

    def read(path: Path) -> str | None:
        try:
            return snapshot(path)
        except (UnreadableFile, IntelUnavailable, OSError):
            return None

    return read
