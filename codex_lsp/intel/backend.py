"""The contract between the engine and whatever knows the code: `CodeIntel`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from codex_lsp.intel.diagnostics import Diagnostic

QueryMethod = Literal[
    "textDocument/definition",
    "textDocument/references",
    "textDocument/hover",
    "textDocument/documentSymbol",
    "workspace/symbol",
]
"""The LSP requests the query tools forward; answers come back as LSP JSON."""


class IntelUnavailable(Exception):
    """No backend can answer for this file now (none configured, crashed, timed out)."""


@dataclass(frozen=True)
class DocText:
    """A file and the text a backend should judge (the buffer's, or an edit's result)."""

    path: Path
    text: str


class CodeIntel(Protocol):
    """A source of diagnostics and code queries: configured servers or the editor."""

    name: str
    """Shown to the model and in logs ("editor", "basedpyright", …)."""

    def covers(self, path: Path) -> bool:
        """Whether this backend has a language server for `path`."""
        ...

    async def diagnostics(
        self, files: Sequence[DocText], after_edit: bool, wait: float
    ) -> dict[Path, list[Diagnostic]]:
        """Diagnostics of `files` as they read in `DocText.text`.

        `after_edit`: the text just changed, so wait (at most `wait` seconds) for
        the servers to publish for it; otherwise the current state is enough.
        Files the backend does not cover are left out.
        """
        ...

    async def query(
        self, method: QueryMethod, params: dict[str, Any], doc: DocText | None = None
    ) -> Any:
        """One LSP request (JSON params, JSON answer); `IntelUnavailable` if none can answer.

        `doc`: the file the request is about, as the model sees it (a backend
        that holds its own copy syncs it first).
        """
        ...
