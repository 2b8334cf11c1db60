"""What a tool is, what it gets to work with, and how its errors are sorted.

Errors by audience: `ToolFailure` goes back to the model as the call's output
(it can fix its call); `TurnEnded` stops the turn with a status for the user
(a rejected edit, an edit the editor refused).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from codex_lsp.approvals import ApprovalPolicy, SessionApprovals
from codex_lsp.config import Config
from codex_lsp.core.items import OutputContent
from codex_lsp.core.protocol import AgentEvent, AgentHost, FileEdit, TurnStatus
from codex_lsp.core.workspace import Workspace

if TYPE_CHECKING:
    from codex_lsp.intel import CodeIntel
    from codex_lsp.tools.exec_sessions import ExecSessions


ToolOutput = str | list[OutputContent]
"""What a tool returns: text, or Responses content items (`input_image` for `view_image`)."""


class ToolFailure(Exception):
    """A tool call that failed in a way the model should see and may correct."""


class TurnEnded(Exception):
    """Stop the turn now with this status; `model_output` still goes into history."""

    def __init__(self, status: TurnStatus, message: str, model_output: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.model_output = model_output


@dataclass
class ToolContext:
    """Everything a tool call may use, scoped to one thread's turn."""

    thread_id: str
    workspace: Workspace
    host: AgentHost
    policy: ApprovalPolicy
    approvals: SessionApprovals
    emit: Callable[[AgentEvent], Awaitable[None]]
    config: Config = field(default_factory=Config)
    """The effective configuration (sandbox mode, shell environment policy, …)."""
    changed_files: list[str] = field(default_factory=list)
    applied: list[FileEdit] = field(default_factory=list)
    """Every edit written during this turn, in order (for undo)."""
    title: str = "Codex edit"
    call_id: str = ""
    """The model's id of the tool call being run (set per call by the turn loop)."""
    exec_sessions: ExecSessions | None = None
    """The agent's long-lived command sessions (`exec_command`), if it keeps any."""
    intel: CodeIntel | None = None
    """Language servers' knowledge (diagnostics after edits, `lsp_*` tools), if any."""


class Tool(Protocol):
    """A function tool offered to the model."""

    name: str
    description: str
    parameters: dict[str, Any]

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
        """Do the work and return what the model sees (text, or content items)."""
        ...


def require_str(args: dict[str, Any], key: str) -> str:
    """A required string argument, or a failure the model can fix."""
    value = args.get(key)
    if not isinstance(value, str) or not value:
        raise ToolFailure(f"missing required string argument {key!r}")
    return value


def optional_int(args: dict[str, Any], key: str, default: int) -> int:
    """An optional integer argument with a default."""
    value = args.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolFailure(f"argument {key!r} must be an integer")
    return int(value)
