"""The states of an MCP server, as `codex.status` reports them (no SDK needed to name them)."""

from __future__ import annotations

from typing import Literal

ServerState = Literal["starting", "restarting", "running", "failed", "disabled", "stopped"]
