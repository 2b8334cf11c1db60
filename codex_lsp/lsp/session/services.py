"""What a request handler may use: the handful of services, not the language server.

Built once per connection by `create_server`; handlers receive it as their first
argument. Nothing here calls back into pygls's server object.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from codex_lsp.agent.engine import Agent
from codex_lsp.completion.service import InlineCompletions
from codex_lsp.lsp.edits.pending_changes import PendingChanges
from codex_lsp.lsp.features.sign_in import AuthUi
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.diagnostics import Findings
from codex_lsp.lsp.session.documents import Documents
from codex_lsp.lsp.session.turns import TurnRegistry


@dataclass
class Services:
    """The agent and the connection's services, for the command handlers."""

    agent: Agent
    documents: Documents
    turns: TurnRegistry
    client: Client
    auth: AuthUi
    """Sign-in and sign-out, and the "not signed in" prompts."""
    findings: Findings
    """Review findings and their diagnostics."""
    completions: InlineCompletions
    pending: PendingChanges
    """Proposed changes waiting for a code action or `codex.approve`."""
    config_problems: list[str] = field(default_factory=list)
    """What was wrong in the last configuration loaded (and what was used instead)."""
    started: float = field(default_factory=time.monotonic)
