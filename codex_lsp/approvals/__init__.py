"""Approval policies (Codex's names) and what the user approved for a session.

The rule for edits: every edit is shown to the user, whatever the policy,
except with `never` or for files the user approved for the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class ApprovalPolicy(StrEnum):
    """When the agent must stop and ask."""

    UNTRUSTED = "untrusted"
    """Ask for everything except known-safe read-only commands."""
    ON_REQUEST = "on-request"
    """The model decides when to ask for escalation; edits are always reviewed."""
    ON_FAILURE = "on-failure"
    """Run sandboxed; ask to re-run unsandboxed when a command fails."""
    NEVER = "never"
    """Never ask; edits are applied directly (still through the editor)."""


@dataclass
class SessionApprovals:
    """What the user said "for this session" to, per thread."""

    files: set[Path] = field(default_factory=set)
    commands: set[tuple[str, ...]] = field(default_factory=set)

    def edit_needs_review(self, policy: ApprovalPolicy, paths: list[Path]) -> bool:
        """True unless the policy is `never` or every file was approved for the session."""
        if policy is ApprovalPolicy.NEVER:
            return False
        return not all(p in self.files for p in paths)

    def approve_files(self, paths: list[Path]) -> None:
        """Stop asking about these files for the rest of the thread."""
        self.files.update(paths)
