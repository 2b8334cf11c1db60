"""Language servers codex-lsp starts itself (``[lsp_servers.<name>]``).

For editors without our plugin: their diagnostics after edits and their
answers to the ``lsp_*`` tools, behind the engine's `CodeIntel` contract.
"""

from __future__ import annotations

from codex_lsp.lsp_peers.manager import ConfiguredServers

__all__ = ["ConfiguredServers"]
