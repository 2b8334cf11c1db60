"""Approval policies (Codex's names) and what the user approved for a session.

The rule for edits: every edit is shown to the user, whatever the policy,
except with `never` or for files the user approved for the session.

Session approvals of actions are typed by kind (`ActionKey`): a shell argv and
an MCP tool can never stand for each other, however their words line up (the
MCP tool ``docs/search`` once shared a key with the shell command
``mcp docs search``, so approving the tool let that command run unsandboxed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from codex_lsp.core.protocol import ActionKind

if TYPE_CHECKING:
    from codex_lsp.approvals.safe_commands import PlainCommand


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


@dataclass(frozen=True)
class ActionKey:
    """What one "approve for session" answer covers: one action of one kind, exactly.

    A dataclass (not a tuple) so it never compares equal to a plain tuple or to
    a key of another kind.
    """

    kind: ActionKind
    parts: tuple[str, ...]

    @classmethod
    def shell(cls, argv: Sequence[str]) -> ActionKey:
        """The exact argv of a shell command."""
        return cls("shell", tuple(argv))

    @classmethod
    def mcp(cls, server: str, tool: str) -> ActionKey:
        """One tool of one MCP server (any arguments)."""
        return cls("mcp", (server, tool))


@dataclass
class SessionApprovals:
    """What the user said "for this session" to, per thread."""

    files: set[Path] = field(default_factory=set)
    actions: set[ActionKey] = field(default_factory=set)
    prefixes: set[tuple[str, ...]] = field(default_factory=set)
    """Command prefixes (Codex's `prefix_rule`) approved to run unsandboxed."""

    def edit_needs_review(self, policy: ApprovalPolicy, paths: list[Path]) -> bool:
        """True unless the policy is `never` or every file was approved for the session."""
        if policy is ApprovalPolicy.NEVER:
            return False
        return not all(p in self.files for p in paths)

    def approve_files(self, paths: list[Path]) -> None:
        """Stop asking about these files for the rest of the thread."""
        self.files.update(paths)

    def approve(self, key: ActionKey) -> None:
        """Stop asking about this action for the rest of the thread."""
        self.actions.add(key)

    def approve_prefix(self, prefix: Sequence[str]) -> None:
        """Stop asking about commands that start with these words (`prefix_rule`)."""
        self.prefixes.add(tuple(prefix))

    def prefix_approved(self, commands: Sequence[PlainCommand] | None) -> bool:
        """Whether every one of a script's plain commands starts with an approved prefix."""
        if not commands or not self.prefixes:
            return False
        return all(
            any(c.argv[: len(p)] == p for p in self.prefixes) and not c.globbed for c in commands
        )

    def approved(self, key: ActionKey) -> bool:
        """Whether the user approved exactly this action (of this kind) for the session."""
        return key in self.actions
