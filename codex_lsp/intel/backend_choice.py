"""Which `CodeIntel` backend a session uses, and the configured servers' life cycle.

The editor's (through `codex/intel`, when the plugin declares it) wins over
configured servers: it already runs the user's language servers with their
settings. Otherwise `[lsp_servers.*]` are started once and kept until the
configuration changes or the session ends.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from codex_lsp.config import Config
from codex_lsp.core.workspace import Workspace
from codex_lsp.intel.backend import CodeIntel
from codex_lsp.tools.base import Tool

if TYPE_CHECKING:
    from codex_lsp.lsp_peers import ConfiguredServers


class IntelSession:
    """Holds the backends; `backend()` is what a turn gets."""

    def __init__(self) -> None:
        self.editor: CodeIntel | None = None
        """Set by the LSP layer when the editor declares `codex/intel` support."""
        self.servers: ConfiguredServers | None = None
        self._config: Config | None = None

    def configure(self, config: Config, workspace: Workspace) -> list[ConfiguredServers]:
        """Start configured servers if needed; returns replaced ones for the caller to close."""
        if self._config is not None and config.lsp_servers == self._config.lsp_servers:
            self._config = config
            return []
        self._config = config
        old = [self.servers] if self.servers is not None else []
        self.servers = None
        if config.lsp_servers and self.editor is None:
            from codex_lsp.lsp_peers import ConfiguredServers  # pygls client: only when used

            servers = ConfiguredServers(
                config.lsp_servers, workspace.primary, os.environ, workspace.relative
            )
            if servers:
                servers.start()
                self.servers = servers
        return old

    def backend(self) -> CodeIntel | None:
        """The editor's backend if it has one, else the configured servers, else None."""
        if self.editor is not None:
            return self.editor
        return self.servers if self.servers else None

    def tools(self, config: Config) -> list[Tool]:
        """The `lsp_*` tools, when there is a backend and they are not switched off."""
        if self.backend() is None or not config.code_intel.query_tools:
            return []
        from codex_lsp.intel.tools import intel_tools

        return intel_tools()

    def status(self) -> dict[str, str]:
        """Configured servers' health for `codex.status` (empty without any)."""
        status = self.servers.status() if self.servers is not None else {}
        if self.editor is not None:
            status["editor"] = "answering"
        return status

    async def aclose(self) -> None:
        if self.servers is not None:
            await self.servers.aclose()
            self.servers = None
