"""MCP servers from ``[mcp_servers.<id>]``: their tools, offered to the model.

`McpManager` starts the configured servers (stdio or streamable HTTP, via the
official ``mcp`` SDK), lists their tools as `McpTool` objects named
``<server>__<tool>``, restarts a crashed server (with backoff) on the next call
of one of its tools, and reports each server's health for ``codex.status`` and
``codex-lsp check``. Calls go through the approval policy like shell commands.
"""

from __future__ import annotations

from codex_lsp.mcp.manager import McpManager
from codex_lsp.mcp.naming import qualified_tool_name
from codex_lsp.mcp.state import ServerState
from codex_lsp.mcp.tool import REJECTED_OUTPUT, McpTool, approval_key

__all__ = [
    "REJECTED_OUTPUT",
    "McpManager",
    "McpTool",
    "ServerState",
    "approval_key",
    "qualified_tool_name",
]
