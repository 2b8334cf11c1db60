"""What commands answer: one `CommandResult` family, written as today's JSON objects.

Every command answers `{status, threadId, error?}` plus its own fields. Field names
are snake_case here and camelCase on the wire (`thread_id` -> `threadId`); a field
left `UNSET` is not sent at all, while `None` is sent as `null` (clients tell the
two apart: `documentUri: null` means "answered, but not shown as a document").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from codex_lsp.lsp.features.result_base import (
    FLATTEN,
    UNSET,
    CommandResult,
    Unset,
    failed,
    to_json,
)

if TYPE_CHECKING:
    from codex_lsp.agent.transcript import Entry

__all__ = [  # the results, and the base re-exported for the features
    "FLATTEN",
    "UNSET",
    "CancelResult",
    "ClearFindingsResult",
    "CommandResult",
    "DecisionResult",
    "NeedsInstructionResult",
    "ResumeResult",
    "ReviewResult",
    "SignedInResult",
    "SignedOutResult",
    "ThreadEntry",
    "ThreadListResult",
    "ToggleResult",
    "TurnAnswer",
    "UndoResult",
    "Unset",
    "failed",
    "thread_result",
    "to_json",
]


@attrs.define(kw_only=True)
class NeedsInstructionResult(CommandResult):
    """`codex.editSelection` failed for want of an instruction: the editor should ask.

    Neither an argument nor a `codex:` comment gave one; the editor asks the user
    and sends the command again (`wire.NEEDS_INSTRUCTION`).
    """

    needs_instruction: bool = True


def thread_result(thread_id: str | None) -> CommandResult:
    """`{status: answered, threadId}`: a command whose answer is the thread it made current."""
    return CommandResult(status="answered", thread_id=thread_id)


@attrs.define(kw_only=True)
class TurnAnswer(CommandResult):
    """A model turn's answer: its text and the files it changed."""

    text: str = ""
    changed_files: list[str] | Unset = UNSET
    usage: dict[str, Any] | Unset | None = UNSET
    document_uri: str | Unset | None = UNSET
    """Where the answer was shown as a document (explain, ask)."""


@attrs.define(kw_only=True)
class ReviewResult(TurnAnswer):
    """A review's findings, summarised (`findings` as LSP-ranged JSON objects)."""

    summary: str = ""
    findings: list[dict[str, Any]] = attrs.Factory(list)
    overall_correctness: str | Unset | None = UNSET
    overall_explanation: str | Unset | None = UNSET


@attrs.define(kw_only=True)
class ClearFindingsResult(CommandResult):
    """`codex.clearFindings`: how many findings went and how many are left."""

    cleared: int
    remaining: int


@attrs.define(kw_only=True)
class CancelResult(CommandResult):
    """`codex.cancel`: the threads whose turns were cancelled."""

    cancelled: list[str]
    text: str | Unset = UNSET


@attrs.define(kw_only=True)
class UndoResult(CommandResult):
    """`codex.undo`: the files the undone turn had changed."""

    changed_files: list[str]


@attrs.define(kw_only=True)
class ThreadEntry:
    """One saved thread in `codex.listThreads`."""

    thread_id: str
    title: str
    created: Any
    updated: Any
    items: int
    current: bool


@attrs.define(kw_only=True)
class ThreadListResult(CommandResult):
    """`codex.listThreads`: the saved threads, newest first."""

    threads: list[ThreadEntry]


@attrs.define(kw_only=True)
class ResumeResult(CommandResult):
    """`codex.resumeThread`: the resumed thread's history and transcript."""

    title: str
    items: int
    history: list[dict[str, Any]]
    transcript: list[Entry]


@attrs.define(kw_only=True)
class DecisionResult(CommandResult):
    """A pending change or command decided (or its diff shown)."""

    change_id: str | Unset = UNSET
    command_id: str | Unset = UNSET
    text: str
    document_uri: str | Unset = UNSET


@attrs.define(kw_only=True)
class ToggleResult(CommandResult):
    """`codex.toggleInlineCompletion`: whether it is on, and advertised."""

    enabled: bool
    advertised: bool


@attrs.define(kw_only=True)
class SignedInResult(CommandResult):
    """`codex.login` succeeded: the account (mode, email, plan, id)."""

    account: dict[str, Any] = attrs.field(metadata=FLATTEN)


@attrs.define(kw_only=True)
class SignedOutResult(CommandResult):
    """`codex.logout`: what was removed, and why revoking failed if it did."""

    removed: Any
    revoke_error: str | None
