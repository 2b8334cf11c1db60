"""Start the configured MCP servers, offer their tools, report their health.

Each ``[mcp_servers.<id>]`` entry becomes one `McpServerConnection`
(`codex_lsp.mcp.connection`: its lifecycle, calls and restarts) run by the
official ``mcp`` SDK (stdio child process or streamable HTTP). The manager
starts them concurrently, never raises for one that fails (the others keep
working), lists their tools, and stops them all within a bounded time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from codex_lsp.config.model import McpServerConfig
from codex_lsp.mcp.connection import STOP_TIMEOUT, McpServerConnection, ServerState
from codex_lsp.mcp.naming import sanitize
from codex_lsp.mcp.transport import DEFAULT_ENV_VARS
from codex_lsp.tools.base import Tool

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_ENV_VARS", "STOP_TIMEOUT", "McpManager", "McpServerConnection", "ServerState"]


# ---- all servers --------------------------------------------------------------------


class McpManager:
    """The configured MCP servers of one codex-lsp process."""

    def __init__(self, servers: Mapping[str, McpServerConfig], env: Mapping[str, str]) -> None:
        self._servers: dict[str, McpServerConnection] = {}
        for name, config in servers.items():
            safe = sanitize(name)
            if safe != name:
                log.warning("mcp server id %r used as %r in tool names", name, safe)
            self._servers[name] = McpServerConnection(name, config, env)

    @property
    def servers(self) -> dict[str, McpServerConnection]:
        """Connections by server id (read-only use)."""
        return dict(self._servers)

    async def start(self) -> None:
        """Start every enabled server concurrently; failures are recorded, never raised."""
        pending = [c.start() for c in self._servers.values() if c.state == "starting"]
        if pending:
            await asyncio.gather(*pending)

    def tools(self) -> list[Tool]:
        """One tool per allowed tool of every running server, named ``<server>__<tool>``."""
        taken: set[str] = set()
        out: list[Tool] = []
        for name in sorted(self._servers):
            out.extend(self._servers[name].tools(taken))
        return out

    def status(self) -> dict[str, dict[str, Any]]:
        """Per server id: state, transport, tools, error, restarts, retryInSec.

        See `McpServerConnection.status`.
        """
        return {name: conn.status() for name, conn in self._servers.items()}

    def errors(self) -> list[str]:
        """One message per failed server (for notices and ``codex-lsp check``)."""
        return [c.error for c in self._servers.values() if c.state == "failed" and c.error]

    async def aclose(self) -> None:
        """Stop every server (child processes included); bounded, never raises."""
        results = await asyncio.gather(
            *(c.stop() for c in self._servers.values()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                log.warning("stopping an mcp server failed: %r", result)

    async def __aenter__(self) -> McpManager:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
