"""`codex.status`: configuration, credentials, running turns and pending decisions."""

from __future__ import annotations

import time

from codex_lsp import __version__, wire
from codex_lsp.lsp.features.command_registry import NoArgs, command
from codex_lsp.lsp.features.command_results import CommandResult, StatusResult
from codex_lsp.lsp.features.sign_in import auth_status
from codex_lsp.lsp.session.session import Session


@command(wire.STATUS)
async def status(session: Session, args: NoArgs) -> CommandResult:
    """Configuration, running turns and threads, for humans and UIs."""
    agent = session.agent
    return StatusResult(
        status="answered",
        thread_id=agent.current.id if agent.current else None,
        version=__version__,
        config=agent.loaded.describe(),
        config_error="; ".join(session.config_problems) or None,
        config_problems=list(session.config_problems),
        requests_blocked=agent.loaded.blocked,
        instruction_problems=list(agent.instruction_problems),
        warnings=list(agent.loaded.warnings),
        auth=auth_status(agent),
        workspace=[str(r) for r in agent.workspace.roots],
        running=sorted(session.turns.running),
        engine=await agent.status(),
        threads=len(agent.threads),
        findings=session.diagnostics.count(),
        pending_changes=session.pending.describe(),
        pending_commands=session.waiting_commands.describe(),
        inline_completion=session.completions.status(),
        uptime_sec=round(time.monotonic() - session.started, 1),
    )
