"""`codex.status`: configuration, credentials, running turns and pending decisions."""

from __future__ import annotations

import time

from codex_lsp import wire
from codex_lsp.lsp.features.command_registry import NoArgs, command
from codex_lsp.lsp.features.command_results import CommandResult
from codex_lsp.lsp.features.status_report import status_report
from codex_lsp.lsp.session.session import Session


@command(wire.STATUS)
async def status(session: Session, args: NoArgs) -> CommandResult:
    """Configuration, running turns and threads, for humans and UIs."""
    agent = session.agent
    return status_report(
        loaded=agent.loaded,
        config_problems=session.config_problems,
        workspace=agent.workspace.roots,
        engine=await agent.status(),
        inline_completion=session.completions.status(),
        uptime_sec=time.monotonic() - session.started,
        thread_id=agent.current.id if agent.current else None,
        instruction_problems=agent.instruction_problems,
        running=session.turns.running,
        threads=len(agent.threads),
        findings=session.diagnostics.count(),
        pending_changes=session.pending.describe(),
        pending_commands=session.waiting_commands.describe(),
    )
