"""The engine's part of `codex.status`: one shape for the agent and for fast_start.

`Agent.status` fills it from the running engine; `lsp.rpc.early_status` fills it
before the server has loaded, when there is nothing but the sandbox to report.
Nothing heavy is imported here.
"""

from __future__ import annotations

from typing import Any


def engine_report(
    *,
    sandbox: dict[str, Any],
    mcp_servers: dict[str, Any] | None = None,
    lsp_servers: dict[str, str] | None = None,
    usage: dict[str, Any] | None = None,
    goal: dict[str, Any] | None = None,
    rate_limits: dict[str, Any] | None = None,
    exec_sessions: list[dict[str, Any]] | None = None,
) -> dict[str, object]:
    """The engine's part (`Agent.status`): sandbox, MCP and language servers, usage."""
    return {
        "sandbox": sandbox,
        "mcpServers": mcp_servers or {},
        "lspServers": lsp_servers or {},
        "usage": usage,
        "goal": goal,
        "rateLimits": rate_limits or None,
        "execSessions": exec_sessions or [],
    }
