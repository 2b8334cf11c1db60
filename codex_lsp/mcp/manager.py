"""Start the configured MCP servers, offer their tools, report their health.

Each ``[mcp_servers.<id>]`` entry becomes one `McpServerConnection`
(`codex_lsp.mcp.connection`: its lifecycle, calls and restarts) run by the
official ``mcp`` SDK (stdio child process or streamable HTTP). The manager
starts them concurrently, never raises for one that fails (the others keep
working), lists their tools, and stops them all within a bounded time.

In a window forked by the daemon, a stdio server is reached through the
daemon's MCP broker instead (`codex_lsp.mcp.remote.BrokeredServer`: one
process shared by every window with the identical entry, see
`codex_lsp.mcp.sharing`; the window then loads no MCP SDK, ≈ 50 MB); without
a broker, or when it goes, the window runs the server itself, as a plain
`codex-lsp` does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from codex_lsp.config.model import McpServerConfig
from codex_lsp.mcp.naming import sanitize
from codex_lsp.mcp.sharing import shareable
from codex_lsp.mcp.state import ServerState
from codex_lsp.mcp.tool import McpTool
from codex_lsp.tools.base import Tool

log = logging.getLogger(__name__)

__all__ = ["McpManager", "McpServer", "ServerState"]


class McpServer(Protocol):
    """One configured server as the manager and the tools use it (run here or by the broker)."""

    name: str
    config: McpServerConfig

    @property
    def state(self) -> ServerState: ...

    @property
    def error(self) -> str | None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ensure_running(self) -> None: ...

    async def call_for_model(self, tool: str, args: dict[str, Any]) -> tuple[str, bool]: ...

    async def list_page(
        self, method: str, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]: ...

    async def read_resource(self, uri: str) -> list[dict[str, Any]]: ...

    def tools(self, taken: set[str]) -> list[McpTool]: ...

    def status(self) -> dict[str, Any]: ...


def _broker_socket() -> str | None:
    """The daemon's MCP broker, in a window it forked (None elsewhere)."""
    from codex_lsp import daemon

    return daemon.mcp_broker


# ---- all servers --------------------------------------------------------------------


class McpManager:
    """The configured MCP servers of one codex-lsp process."""

    def __init__(
        self,
        servers: Mapping[str, McpServerConfig],
        env: Mapping[str, str],
        broker: str | None = None,
    ) -> None:
        """`broker`: the MCP broker's socket (default: the daemon's, in a window it forked)."""
        broker = broker or _broker_socket()
        self._servers: dict[str, McpServer] = {}
        for name, config in servers.items():
            safe = sanitize(name)
            if safe != name:
                log.warning("mcp server id %r used as %r in tool names", name, safe)
            self._servers[name] = _connection(name, config, env, broker)

    @property
    def servers(self) -> dict[str, McpServer]:
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


def _connection(
    name: str, config: McpServerConfig, env: Mapping[str, str], broker: str | None
) -> McpServer:
    if broker and shareable(config):
        from codex_lsp.mcp.remote import BrokeredServer

        return BrokeredServer(name, config, env, broker)
    from codex_lsp.mcp.connection import McpServerConnection  # the SDK: only where it runs

    return McpServerConnection(name, config, env)
