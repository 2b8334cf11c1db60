"""What `codex.status` says, put together in one place for the server and for fast_start.

The server fills it from its session (`features.status`); before the server has
loaded, `rpc.early_status` fills it from the `initialize` request and the
configuration files, leaving the session's parts at "nothing yet". Nothing here
imports pygls.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import attrs

from codex_lsp import __version__
from codex_lsp.config.loader import LoadedConfig
from codex_lsp.lsp.features.result_base import FLATTEN, CommandResult


@attrs.define(kw_only=True)
class StatusResult(CommandResult):
    """`codex.status`: configuration, credentials, running turns, pending decisions."""

    version: str
    config: Any
    config_error: str | None
    config_problems: list[str]
    requests_blocked: Any
    instruction_problems: list[str]
    warnings: list[str]
    auth: dict[str, Any]
    workspace: list[str]
    running: list[str]
    engine: dict[str, object] = attrs.field(metadata=FLATTEN)
    """Sandbox, MCP and language servers, usage, rate limits (`Agent.status`)."""
    threads: int
    findings: int
    pending_changes: list[dict[str, Any]]
    pending_commands: list[dict[str, Any]]
    inline_completion: Any
    uptime_sec: float


def auth_status(loaded: LoadedConfig) -> dict[str, Any]:
    """Auth mode, email and plan for `codex.status` (never a token)."""
    account = loaded.account
    return {
        "authMode": loaded.auth_mode,
        "email": account.email if loaded.uses_chatgpt else None,
        "plan": account.plan if loaded.uses_chatgpt else None,
        "authSource": loaded.auth_source,
        "authNote": loaded.auth_note,
    }


def status_report(
    *,
    loaded: LoadedConfig,
    config_problems: Sequence[str],
    workspace: Sequence[Path],
    engine: dict[str, object],
    inline_completion: dict[str, Any],
    uptime_sec: float,
    thread_id: str | None = None,
    instruction_problems: Sequence[str] = (),
    running: Collection[str] = (),
    threads: int = 0,
    findings: int = 0,
    pending_changes: Sequence[dict[str, Any]] = (),
    pending_commands: Sequence[dict[str, Any]] = (),
) -> StatusResult:
    """The answer; the session's parts default to a server that has done nothing yet."""
    return StatusResult(
        status="answered",
        thread_id=thread_id,
        version=__version__,
        config=loaded.describe(),
        config_error="; ".join(config_problems) or None,
        config_problems=list(config_problems),
        requests_blocked=loaded.blocked,
        instruction_problems=list(instruction_problems),
        warnings=list(loaded.warnings),
        auth=auth_status(loaded),
        workspace=[str(root) for root in workspace],
        running=sorted(running),
        engine=engine,
        threads=threads,
        findings=findings,
        pending_changes=list(pending_changes),
        pending_commands=list(pending_commands),
        inline_completion=inline_completion,
        uptime_sec=round(uptime_sec, 1),
    )
