"""What the agent learns from language servers: diagnostics after edits, and queries.

The engine speaks to one small contract, `CodeIntel` (backend.py); two backends
implement it: language servers codex-lsp starts itself (`codex_lsp.lsp_peers`)
and the editor through `codex/intel` (`codex_lsp.lsp.session.editor_intel`).
"""

from __future__ import annotations

from codex_lsp.intel.backend import CodeIntel, DocText, IntelUnavailable
from codex_lsp.intel.diagnostics import Diagnostic

__all__ = ["CodeIntel", "Diagnostic", "DocText", "IntelUnavailable"]
