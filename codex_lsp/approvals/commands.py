"""When a model-requested command may run, and whether it runs inside the sandbox.

This follows Codex's rules (`approval_policy` x `sandbox_mode`):

* `untrusted`: known-safe read-only commands run (sandboxed) without asking,
  everything else asks first.
* `on-failure`: run sandboxed without asking; if it fails in a way that looks
  like the sandbox refused it, ask to re-run it without the sandbox.
* `on-request`: run sandboxed without asking; the model may ask to run a
  command outside the sandbox (`sandbox_permissions: "require_escalated"` and
  a `justification`), which asks the user.
* `never`: never ask; run sandboxed; failures go back to the model.

A command the user approved runs without the sandbox (that is usually why it
was asked about: it needs to write elsewhere or reach the network), and
"approve for session" covers the exact same argv for the rest of the thread.
Two departures from Codex, both towards asking more: known-safe commands still
run inside the sandbox when one exists (a `ls` planted in the workspace on
`PATH` can then do no harm), and without a working sandbox *every* command
asks (`never` refuses instead) unless `sandbox_mode = "danger-full-access"`.

Which commands are known to be safe is `codex_lsp.approvals.safe_commands`.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from codex_lsp.approvals import ActionKey, ApprovalPolicy, SessionApprovals
from codex_lsp.approvals.safe_commands import (
    SHELL_SCRIPT_FLAGS,
    SHELLS,
    is_known_safe_command,
)
from codex_lsp.config.model import SandboxMode
from codex_lsp.core.protocol import AgentHost, CommandRequest

REJECTED_BY_USER = "command rejected by user"
"""What the model is told when the user says no (the turn continues)."""

Action = Literal["run", "ask", "reject"]


# ---- the decision -------------------------------------------------------------


@dataclass(frozen=True)
class CommandDecision:
    """What to do with a command before running it."""

    action: Action
    sandboxed: bool = True
    """How to run it if `action` is "run" (an approved command runs unsandboxed)."""
    reason: str | None = None
    """The question for the user ("ask") or the explanation for the model ("reject")."""


def decide_command(
    argv: Sequence[str],
    *,
    policy: ApprovalPolicy,
    sandbox_mode: SandboxMode,
    sandbox_available: bool,
    sandbox_reason: str = "",
    approvals: SessionApprovals,
    escalate: bool = False,
    justification: str | None = None,
) -> CommandDecision:
    """Decide run / ask / reject for `argv`; see the module docstring for the rules."""
    shown = _display(argv)
    if escalate and policy is not ApprovalPolicy.ON_REQUEST:
        return CommandDecision(
            "reject",
            reason=(
                f'sandbox_permissions "require_escalated" is only for approval_policy '
                f'"on-request"; the policy is "{policy.value}". Call again without it.'
            ),
        )
    if approvals.approved(ActionKey.shell(argv)):
        return CommandDecision("run", sandboxed=False)
    safe = is_known_safe_command(argv)
    if sandbox_mode == "danger-full-access":
        if policy is ApprovalPolicy.UNTRUSTED and not safe:
            return CommandDecision("ask", False, _untrusted_question(shown))
        return CommandDecision("run", sandboxed=False)
    if not sandbox_available:
        if policy is ApprovalPolicy.NEVER:
            return CommandDecision(
                "reject",
                reason=(
                    f"not run: no sandbox is available ({sandbox_reason}) and approval_policy "
                    f'is "never", so nobody can approve running it unsandboxed'
                ),
            )
        question = f"No sandbox is available ({sandbox_reason}). Run `{shown}` unsandboxed?"
        if escalate and justification:
            question += f" The agent says: {justification}"
        return CommandDecision("ask", False, question)
    if escalate:
        why = justification or "no justification given"
        return CommandDecision(
            "ask", False, f"The agent asks to run `{shown}` outside the sandbox: {why}"
        )
    if policy is ApprovalPolicy.UNTRUSTED and not safe:
        return CommandDecision("ask", False, _untrusted_question(shown))
    return CommandDecision("run", sandboxed=True)


def should_offer_unsandboxed_retry(policy: ApprovalPolicy) -> bool:
    """Whether a sandbox-looking failure is put to the user (else it goes to the model)."""
    return policy in (ApprovalPolicy.ON_FAILURE, ApprovalPolicy.UNTRUSTED)


def retry_question(argv: Sequence[str], sandbox_mode: SandboxMode) -> str:
    """The question asked after a sandboxed command failed."""
    return (
        f"`{_display(argv)}` failed in the sandbox ({sandbox_mode}); "
        "run it again without the sandbox?"
    )


async def ask_user(
    host: AgentHost,
    approvals: SessionApprovals,
    thread_id: str,
    argv: Sequence[str],
    cwd: Path,
    reason: str | None,
) -> bool:
    """Ask the user about `argv`; remember "approveForSession"; True if approved."""
    decision = await host.approve_command(CommandRequest(thread_id, list(argv), cwd, reason))
    if decision == "approveForSession":
        approvals.approve(ActionKey.shell(argv))
    return decision in ("approve", "approveForSession")


def _untrusted_question(shown: str) -> str:
    return f'approval_policy is "untrusted" and `{shown}` is not a known read-only command. Run it?'


def _display(argv: Sequence[str]) -> str:
    """The command as one line for questions (a `bash -lc` script shows as the script)."""
    if len(argv) == 3 and argv[0] in SHELLS and argv[1] in SHELL_SCRIPT_FLAGS:
        return argv[2]
    return shlex.join(argv)


__all__ = [
    "REJECTED_BY_USER",
    "CommandDecision",
    "ask_user",
    "decide_command",
    "is_known_safe_command",
    "retry_question",
    "should_offer_unsandboxed_retry",
]
