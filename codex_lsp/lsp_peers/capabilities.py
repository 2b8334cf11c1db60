"""What codex-lsp, as a client, tells a language server it understands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CLIENT_CAPABILITIES: dict[str, Any] = {
    "general": {"positionEncodings": ["utf-16"]},
    "textDocument": {
        "synchronization": {"dynamicRegistration": False, "didSave": False},
        "publishDiagnostics": {"versionSupport": True, "relatedInformation": False},
        "hover": {"contentFormat": ["plaintext", "markdown"]},
        "definition": {"linkSupport": False},
        "references": {},
        "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
    },
    "workspace": {
        "configuration": True,
        "workspaceFolders": True,
        "symbol": {},
    },
    "window": {"workDoneProgress": False},
}
"""Only what the query tools and diagnostics use: plain answers, versioned publishes."""

_LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".rs": "rust",
    ".go": "go",
    ".ts": "typescript",
    ".tsx": "typescriptreact",
    ".js": "javascript",
    ".jsx": "javascriptreact",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".java": "java",
    ".lua": "lua",
    ".rb": "ruby",
    ".sh": "shellscript",
    ".toml": "toml",
    ".json": "json",
    ".md": "markdown",
}


def language_id(path: Path) -> str:
    """The usual LSP `languageId` for a file name (`plaintext` when unknown)."""
    return _LANGUAGES.get(path.suffix.lower(), "plaintext")
