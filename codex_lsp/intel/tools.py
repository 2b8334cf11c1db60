"""`lsp_*` tools: ask the language servers (the editor's, or configured ones) about code.

Read-only; every path passes the workspace policy; offered only when a backend
exists (`intel_tools`). Positions are 1-based as `read_file` shows them; a
`symbol` name finds the column on the line, since models know names better
than columns.
"""

from __future__ import annotations

from typing import Any

from codex_lsp.core.workspace import OutsideWorkspace, UnreadableFile, snapshot_of
from codex_lsp.edits.lines import lsp_lines
from codex_lsp.intel import format as fmt
from codex_lsp.intel.after_edit import report_current
from codex_lsp.intel.backend import CodeIntel, DocText, IntelUnavailable, QueryMethod
from codex_lsp.tools.base import Tool, ToolContext, ToolFailure, optional_int, require_str

_PATH = {"type": "string", "description": "File path relative to the workspace root."}
_POSITION = {
    "path": _PATH,
    "line": {"type": "integer", "description": "1-based line, as read_file numbers it."},
    "symbol": {"type": "string", "description": "Name on that line to ask about."},
    "column": {"type": "integer", "description": "1-based column (instead of symbol)."},
}


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _intel(ctx: ToolContext) -> CodeIntel:
    if ctx.intel is None:
        raise ToolFailure("no language server is available in this session")
    return ctx.intel


def _document(ctx: ToolContext, args: dict[str, Any]) -> DocText:
    name = require_str(args, "path")
    try:
        path = ctx.workspace.resolve(name)
        return DocText(path, snapshot_of(path, ctx.host.snapshot).text)
    except (OutsideWorkspace, UnreadableFile) as exc:
        raise ToolFailure(str(exc)) from exc


def _position(doc: DocText, args: dict[str, Any]) -> dict[str, int]:
    lines = lsp_lines(doc.text)
    line = optional_int(args, "line", 0)
    if not 0 < line <= len(lines):
        raise ToolFailure(f"line must be between 1 and {len(lines)} (got {line})")
    text = lines[line - 1]
    symbol = args.get("symbol")
    if isinstance(symbol, str) and symbol:
        at = text.find(symbol)
        if at < 0:
            raise ToolFailure(f"{symbol!r} is not on line {line}: {text.strip()[:200]!r}")
        return {"line": line - 1, "character": at}
    column = optional_int(args, "column", 0)
    if column <= 0:
        raise ToolFailure("give 'symbol' (a name on that line) or a 1-based 'column'")
    return {"line": line - 1, "character": column - 1}


async def _ask(
    ctx: ToolContext, method: QueryMethod, params: dict[str, Any], doc: DocText | None
) -> Any:
    try:
        return await _intel(ctx).query(method, params, doc)
    except IntelUnavailable as exc:
        raise ToolFailure(f"the language server could not answer: {exc}") from exc


def _read(ctx: ToolContext) -> fmt.LineReader:
    return fmt.reader(lambda path: snapshot_of(path, ctx.host.snapshot).text)


class _PositionTool:
    """A request about the symbol at one position of one file."""

    name = ""
    description = ""
    method: QueryMethod = "textDocument/definition"
    read_only_hint = True
    parameters = _schema(_POSITION, ["path", "line"])

    def _params(self, doc: DocText, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "textDocument": {"uri": doc.path.as_uri()},
            "position": _position(doc, args),
        }

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        doc = _document(ctx, args)
        answer = await _ask(ctx, self.method, self._params(doc, args), doc)
        return self._format(ctx, answer)

    def _format(self, ctx: ToolContext, answer: Any) -> str:
        return fmt.locations(answer, ctx.workspace, _read(ctx))


class LspDefinition(_PositionTool):
    """`textDocument/definition`."""

    name = "lsp_definition"
    description = (
        "Where a symbol is defined, from the language server: path:line:column and the line. "
        "Give the file, the 1-based line and the symbol's name on that line."
    )
    method: QueryMethod = "textDocument/definition"


class LspReferences(_PositionTool):
    """`textDocument/references`."""

    name = "lsp_references"
    description = (
        "Every use of a symbol in the workspace, from the language server (includes the "
        "declaration). Give the file, the 1-based line and the symbol's name on that line."
    )
    method: QueryMethod = "textDocument/references"

    def _params(self, doc: DocText, args: dict[str, Any]) -> dict[str, Any]:
        return {**super()._params(doc, args), "context": {"includeDeclaration": True}}


class LspHover(_PositionTool):
    """`textDocument/hover`."""

    name = "lsp_hover"
    description = (
        "The type and documentation of a symbol, from the language server. Give the file, "
        "the 1-based line and the symbol's name on that line."
    )
    method: QueryMethod = "textDocument/hover"

    def _format(self, ctx: ToolContext, answer: Any) -> str:
        return fmt.hover(answer)


class LspDocumentSymbols:
    """`textDocument/documentSymbol`."""

    name = "lsp_document_symbols"
    description = (
        "An outline of a file (classes, functions, … with their lines) from the language server."
    )
    read_only_hint = True
    parameters = _schema({"path": _PATH}, ["path"])

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        doc = _document(ctx, args)
        params = {"textDocument": {"uri": doc.path.as_uri()}}
        return fmt.document_symbols(await _ask(ctx, "textDocument/documentSymbol", params, doc))


class LspWorkspaceSymbols:
    """`workspace/symbol`."""

    name = "lsp_workspace_symbols"
    description = "Find classes, functions and other symbols by name across the workspace."
    read_only_hint = True
    parameters = _schema(
        {"query": {"type": "string", "description": "The name or part of it."}}, ["query"]
    )

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        params = {"query": require_str(args, "query")}
        answer = await _ask(ctx, "workspace/symbol", params, None)
        return fmt.workspace_symbols(answer, ctx.workspace)


class LspDiagnostics:
    """The file's current diagnostics (published or pulled by the backend)."""

    name = "lsp_diagnostics"
    description = "The errors and warnings the language server reports for a file now."
    read_only_hint = True
    parameters = _schema({"path": _PATH}, ["path"])

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> str:
        doc = _document(ctx, args)
        try:
            return await report_current(ctx, _intel(ctx), doc)
        except IntelUnavailable as exc:
            raise ToolFailure(f"the language server could not answer: {exc}") from exc


def intel_tools() -> list[Tool]:
    """The six query tools (the caller offers them only when a backend exists)."""
    return [
        LspDefinition(),
        LspReferences(),
        LspHover(),
        LspDocumentSymbols(),
        LspWorkspaceSymbols(),
        LspDiagnostics(),
    ]
